//! The words and numbers every screen writes the same way: sizes, ages, elapsed times, and
//! text wrapped to a width. Pure functions, shared by the screens and by the text `update`
//! measures.

use ratatui::text::Line;

/// "3h", "2d", "45s": the largest unit of an age, for narrow columns.
pub fn short_age(now: jiff::Timestamp, then: jiff::Timestamp) -> String {
    let secs = now.as_second() - then.as_second();
    match secs {
        s if s < 0 => "future".into(),
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// Bytes as "12.3 MiB".
pub fn size(bytes: u64) -> String {
    humansize::format_size(bytes, humansize::BINARY)
}

/// "12s", "3m 04s", "1h 02m".
pub fn elapsed(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {:02}s", s / 60, s % 60),
        s => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// Greedy word wrap to `width` columns (at least 10); words longer than a line are split.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let sep = usize::from(used > 0);
            if used + sep + word.len() <= width {
                if sep == 1 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 {
                out.push(std::mem::take(&mut line));
                continue;
            }
            let rest = word.split_off(width);
            out.push(word.iter().collect());
            word = rest;
        }
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// `text` wrapped to `width`, each line indented by one space, in `style`.
pub fn wrapped<'a>(text: &str, width: usize, style: ratatui::style::Style) -> Vec<Line<'a>> {
    wrap(text, width.saturating_sub(2))
        .into_iter()
        .map(|l| Line::styled(format!(" {l}"), style))
        .collect()
}
