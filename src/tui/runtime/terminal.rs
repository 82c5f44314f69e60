//! What the event loop draws on ([`Surface`]), and the real terminal behind it: raw mode and
//! the alternate screen on the way in, both undone on every way out (normal return, error,
//! panic). Mouse capture is never turned on, so the operator can still select and copy text.
//! Every frame is one synchronized update, so slow SSH links never show half-drawn screens.

use std::io::{self, Stdout, Write, stdout};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute, queue};
use ratatui::Terminal;
use ratatui::prelude::CrosstermBackend;

/// Where frames go: the real terminal, or a `TestBackend` in tests.
pub trait Surface {
    fn draw(&mut self, render: &mut dyn FnMut(&mut ratatui::Frame)) -> io::Result<()>;
    fn size(&self) -> io::Result<(u16, u16)>;
}

static PANICKED: AtomicBool = AtomicBool::new(false);

/// Whether any thread panicked since the console started (the runtime then stops: the panic
/// hook has already given the terminal back).
pub fn panicked() -> bool {
    PANICKED.load(Ordering::SeqCst)
}

/// Holds the terminal in console mode; dropping it gives the terminal back.
pub struct Console {
    /// Never dropped: ratatui's `Terminal::drop` shows the cursor and, when that fails (the
    /// terminal closed: EIO), reports it with `eprintln!`, which panics when stderr is the
    /// same dead terminal. `restore` does the same work and ignores the errors instead.
    terminal: std::mem::ManuallyDrop<Terminal<CrosstermBackend<Stdout>>>,
}

impl Console {
    /// Installs the panic hook, then enters raw mode and the alternate screen. On an error
    /// the terminal is restored before returning.
    pub fn enter() -> io::Result<Console> {
        install_panic_hook();
        let guard = Restore;
        enable_raw_mode()?;
        execute!(stdout(), EnterAlternateScreen, cursor::Hide)?;
        let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
        std::mem::forget(guard);
        Ok(Console {
            terminal: std::mem::ManuallyDrop::new(terminal),
        })
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        restore();
    }
}

impl Surface for Console {
    fn draw(&mut self, render: &mut dyn FnMut(&mut ratatui::Frame)) -> io::Result<()> {
        queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
        let drawn = self.terminal.draw(|f| render(f)).map(|_| ());
        // End the update even when drawing failed, or the terminal would wait for it.
        let ended = execute!(self.terminal.backend_mut(), EndSynchronizedUpdate);
        drawn.and(ended)
    }

    fn size(&self) -> io::Result<(u16, u16)> {
        let s = self.terminal.size()?;
        Ok((s.width, s.height))
    }
}

/// Restores the terminal when dropped (used while entering, until `Console` owns the job).
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves the alternate screen, shows the cursor, leaves raw mode. Safe to call twice;
/// errors are ignored (the terminal may be gone).
pub fn restore() {
    let mut out = stdout();
    let _ = execute!(
        out,
        EndSynchronizedUpdate,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = out.flush();
    let _ = disable_raw_mode();
}

/// A panic anywhere restores the terminal first, so the message is readable and the shell
/// usable, then the previous hook prints it.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::SeqCst);
            restore();
            previous(info);
        }));
    });
}
