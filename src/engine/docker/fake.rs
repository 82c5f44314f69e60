//! A scripted Docker for unit tests.
