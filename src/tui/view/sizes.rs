//! The sizes every screen shares: the smallest terminal the console draws in, and the rows and
//! columns of text inside a screen that fills the body with a bordered block (the manifest, the
//! wizard). `update` pages by them and the screens lay out by them, so a page is what is on
//! screen.

/// The smallest terminal the console draws in: the browser's list keeps four rows and the
/// footer keeps its main keys at 60 columns. Below it, `too_small` says what is needed.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// Columns of text inside a bordered view `columns` wide.
pub fn text_width(columns: u16) -> usize {
    usize::from(columns.saturating_sub(2))
}

/// Rows of text the view shows at terminal size `size` (borders, status line and footer off).
pub fn view_rows(size: (u16, u16)) -> usize {
    usize::from(size.1.saturating_sub(4))
}
