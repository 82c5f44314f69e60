//! Colours and symbols. Two themes: the default uses only the 16 ANSI colours (readable on
//! dark and light terminals); the monochrome one (`NO_COLOR`, `--no-color`) sets no colour
//! at all, because crossterm turns colour changes under `NO_COLOR` into full SGR resets that
//! would also wipe the reversed selection. State is always written as a word too, so nothing
//! depends on colour. `--ascii` swaps every box-drawing and other non-ASCII glyph for ASCII,
//! for the Linux console and poor SSH clients.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

use crate::engine::text::sanitize;

/// Styles by meaning, never by colour name at the call site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub title: Style,
    pub header: Style,
    pub selected: Style,
    pub dim: Style,
    pub ok: Style,
    pub warn: Style,
    pub bad: Style,
    pub key: Style,
    pub border: Style,
}

impl Theme {
    pub fn color() -> Theme {
        Theme {
            title: Style::new().add_modifier(Modifier::BOLD),
            header: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            // Reversed rather than a fixed background: it follows the terminal's own colours.
            selected: Style::new().add_modifier(Modifier::REVERSED),
            dim: Style::new().add_modifier(Modifier::DIM),
            ok: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Yellow),
            bad: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            key: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            border: Style::new(),
        }
    }

    /// No foreground or background anywhere: modifiers only.
    pub fn mono() -> Theme {
        Theme {
            title: Style::new().add_modifier(Modifier::BOLD),
            header: Style::new().add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            dim: Style::new(),
            ok: Style::new(),
            warn: Style::new().add_modifier(Modifier::BOLD),
            bad: Style::new().add_modifier(Modifier::BOLD),
            key: Style::new().add_modifier(Modifier::BOLD),
            border: Style::new(),
        }
    }
}

/// Glyphs: unicode by default, plain ASCII with `--ascii`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbols {
    pub border: border::Set<'static>,
    /// In front of the selected row.
    pub pointer: &'static str,
    pub bar_full: char,
    pub bar_empty: char,
    pub ellipsis: &'static str,
    pub dot: &'static str,
}

impl Symbols {
    pub fn unicode() -> Symbols {
        Symbols {
            border: border::PLAIN,
            pointer: "▶ ",
            bar_full: '█',
            bar_empty: '░',
            ellipsis: "…",
            dot: "·",
        }
    }

    pub fn ascii() -> Symbols {
        Symbols {
            border: border::Set {
                top_left: "+",
                top_right: "+",
                bottom_left: "+",
                bottom_right: "+",
                vertical_left: "|",
                vertical_right: "|",
                horizontal_top: "-",
                horizontal_bottom: "-",
            },
            pointer: "> ",
            bar_full: '#',
            bar_empty: '.',
            ellipsis: "...",
            dot: "-",
        }
    }
}

/// How to draw: the theme, the glyphs, and the text filter every outside string goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ui {
    pub theme: Theme,
    pub sym: Symbols,
    pub ascii: bool,
}

impl Ui {
    pub fn new(no_color: bool, ascii: bool) -> Ui {
        Ui {
            theme: if no_color {
                Theme::mono()
            } else {
                Theme::color()
            },
            sym: if ascii {
                Symbols::ascii()
            } else {
                Symbols::unicode()
            },
            ascii,
        }
    }

    /// A string from an archive, a file name or an error, made safe to draw: escapes and
    /// bidi controls made visible (`engine::text::sanitize`), and under `--ascii` anything
    /// outside ASCII shown as `?`.
    pub fn clean(&self, s: &str) -> String {
        self.fold(sanitize(s))
    }

    /// [`Ui::clean`] for free text that may be long (why a verify failed): up to 1,000
    /// characters, as the command line shows them, for the screen to wrap.
    pub fn clean_long(&self, s: &str) -> String {
        self.fold(crate::engine::text::sanitize_max(s, 1000))
    }

    fn fold(&self, s: String) -> String {
        if self.ascii {
            s.replace('…', "...")
                .chars()
                .map(|c| if c.is_ascii() { c } else { '?' })
                .collect()
        } else {
            s
        }
    }

    /// `text` cut to `width` characters, with the ellipsis of the symbol set.
    pub fn cut(&self, text: &str, width: usize) -> String {
        if text.chars().count() <= width {
            return text.to_string();
        }
        let keep = width.saturating_sub(self.sym.ellipsis.chars().count());
        let mut out: String = text.chars().take(keep).collect();
        out.push_str(self.sym.ellipsis);
        out.chars().take(width).collect()
    }

    /// A text progress bar, `width` cells: "█████░░░░░" or "#####.....".
    pub fn bar(&self, ratio: f64, width: usize) -> String {
        let full = ((ratio.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
        let mut s = String::with_capacity(width * 3);
        s.extend(std::iter::repeat_n(self.sym.bar_full, full));
        s.extend(std::iter::repeat_n(self.sym.bar_empty, width - full));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monochrome_sets_no_colour_and_reverses_the_selection() {
        let t = Theme::mono();
        for s in [
            t.title, t.header, t.selected, t.dim, t.ok, t.warn, t.bad, t.key, t.border,
        ] {
            assert_eq!(s.fg, None);
            assert_eq!(s.bg, None);
        }
        assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn ascii_mode_draws_only_ascii() {
        let ui = Ui::new(true, true);
        assert_eq!(ui.clean("host-ü\x1b[2J"), "host-?\\x1b[2J");
        assert!(ui.bar(0.5, 10).is_ascii());
        assert_eq!(ui.bar(0.5, 10), "#####.....");
        assert_eq!(ui.cut("abcdefghij", 6), "abc...");
        let b = ui.sym.border;
        for g in [b.top_left, b.horizontal_top, b.vertical_left] {
            assert!(g.is_ascii());
        }
    }
}
