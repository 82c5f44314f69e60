//! The size history screen: per component of a profile, a sparkline of its size over the
//! committed archives (oldest left, newest right), the latest size with the smallest and
//! largest, and the backup engine's shrink warning for the newest archive. Three rows per
//! component; scrolled by component when they do not all fit.
//!
//! ```text
//! +- Size history: tars-home  components 1-4 of 4 ----------------------+
//! | 5 committed archives, 2026-01-01 03:00 to 2026-01-06 03:00           |
//! | redis            latest 1.2 MiB    min 1.2 MiB    max 3.0 MiB      |
//! |   ▁▃▅▇▁  SHRANK: under half of the 3.0 MiB before; wrong path?      |
//! |   █████                                                            |
//! +---------------------------------------------------------------------+
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::symbols::bar;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline, SparklineBar};

use super::widgets::block;
use crate::engine::backup::Shrink;
use crate::tui::state::app::{App, short_time};
use crate::tui::theme::Ui;
use crate::tui::view::format::size;
use crate::tui::view::history::{HEAD, ROWS, Series, fits};

/// A sparkline in ASCII, for `--ascii`.
const ASCII_BARS: bar::Set = bar::Set {
    full: "#",
    seven_eighths: "#",
    three_quarters: "|",
    five_eighths: "|",
    half: ":",
    three_eighths: ":",
    one_quarter: ".",
    one_eighth: ".",
    empty: " ",
};

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    ui: &Ui,
    profile: Option<&str>,
    scroll: usize,
) {
    let t = &ui.theme;
    let h = app.history(profile);
    let n = h.series.len();
    let shown = fits(app.size).max(1);
    let first = scroll.min(n.saturating_sub(shown));
    let mut title = vec![Span::styled(
        format!(
            " Size history: {} ",
            ui.clean(profile.unwrap_or("(no profile)"))
        ),
        t.title,
    )];
    if n > 0 {
        title.push(Span::raw(format!(
            " components {}-{} of {n} ",
            first + 1,
            (first + shown).min(n)
        )));
    }
    let blk = block(ui, Line::from(title));
    let inner = blk.inner(area);
    frame.render_widget(blk, area);
    let (Some(oldest), Some(newest)) = (h.oldest, h.newest) else {
        frame.render_widget(
            Paragraph::new(Line::styled(
                " no committed archive of this profile is listed (safety backups do not count)",
                t.dim,
            )),
            inner,
        );
        return;
    };
    let span = format!(
        " {} committed archive{}, {} to {}, oldest left; safety backups left out",
        h.archives,
        if h.archives == 1 { "" } else { "s" },
        short_time(oldest, &app.tz),
        short_time(newest, &app.tz),
    );
    let (summary, style) = match h.shrunk() {
        0 => (
            " no component of the newest archive is empty or under half its previous size".into(),
            t.ok,
        ),
        k => (
            format!(
                " SHRINK WARNING: {k} component{} of the newest archive empty or under half its previous size",
                if k == 1 { "" } else { "s" }
            ),
            t.bad,
        ),
    };
    let width = usize::from(inner.width);
    frame.render_widget(
        Paragraph::new(vec![
            Line::styled(ui.cut(&span, width), t.dim),
            Line::styled(ui.cut(&summary, width), style),
        ]),
        Rect {
            height: HEAD.min(inner.height),
            ..inner
        },
    );
    let mut y = inner.y + HEAD;
    for s in h.series.iter().skip(first).take(shown) {
        if y + ROWS > inner.y + inner.height {
            break;
        }
        draw_series(frame, Rect::new(inner.x, y, inner.width, ROWS), ui, s);
        y += ROWS;
    }
}

/// One component: its numbers on the first row, the sparkline below with the warning beside.
fn draw_series(frame: &mut Frame, area: Rect, ui: &Ui, s: &Series) {
    let t = &ui.theme;
    let amount = |v: Option<u64>| v.map(size).unwrap_or_else(|| "-".into());
    let latest = match s.latest() {
        Some(v) => size(v),
        None => "not in the newest".into(),
    };
    let numbers = format!(
        " {:<16} latest {:<11} min {:<11} max {}",
        ui.cut(&ui.clean(&s.component), 16),
        latest,
        amount(s.min()),
        amount(s.max()),
    );
    frame.render_widget(
        Paragraph::new(Line::styled(
            ui.cut(&numbers, usize::from(area.width)),
            t.title,
        )),
        Rect { height: 1, ..area },
    );
    // The newest archives when there are more than columns; half the width at most, so the
    // warning has room beside it.
    let room = usize::from(area.width.saturating_sub(4) / 2).max(1);
    let skip = s.sizes.len().saturating_sub(room);
    let last = s.sizes.len().saturating_sub(1);
    let bars: Vec<SparklineBar> = s
        .sizes
        .iter()
        .enumerate()
        .skip(skip)
        .map(|(i, v)| {
            let b = SparklineBar::from(*v);
            if i == last && s.shrink.is_some() {
                b.style(Some(t.bad))
            } else {
                b
            }
        })
        .collect();
    let cols = u16::try_from(bars.len()).unwrap_or(u16::MAX);
    let spark = Sparkline::default()
        .data(bars)
        .max(s.max().unwrap_or(0).max(1))
        .style(t.key)
        .absent_value_symbol(ui.sym.dot)
        .absent_value_style(t.dim)
        .bar_set(if ui.ascii {
            ASCII_BARS
        } else {
            bar::NINE_LEVELS
        });
    let spark_area = Rect::new(
        area.x + 3,
        area.y + 1,
        cols.min(area.width.saturating_sub(3)),
        2,
    );
    frame.render_widget(spark, spark_area);
    let Some(shrink) = s.shrink else {
        return;
    };
    let text = match shrink {
        Shrink::Empty => "EMPTY in the newest archive: taken from the wrong place?".to_string(),
        Shrink::UnderHalf {
            size: now,
            previous,
        } => format!(
            "SHRANK to {} from {}: under half; taken from the wrong place?",
            size(now),
            size(previous)
        ),
    };
    let x = spark_area.x + spark_area.width + 2;
    let w = (area.x + area.width).saturating_sub(x);
    frame.render_widget(
        Paragraph::new(Line::styled(ui.cut(&text, usize::from(w)), t.bad)),
        Rect::new(x, area.y + 1, w, 1),
    );
}
