//! Results on the screen: straight to stdout, or through `$PAGER` (default
//! `less -SRF`) once they grow taller than the terminal.

use std::io::{self, BufWriter, Stdout, Write};
use std::process::{Child, ChildStdin, Command, Stdio};

/// The pager command: `$PAGER`, `less -SRF` when unset, none when set empty.
pub fn pager_command() -> Option<String> {
    match std::env::var("PAGER") {
        Ok(command) if command.trim().is_empty() => None,
        Ok(command) => Some(command),
        Err(_) => Some("less -SRF".to_string()),
    }
}

enum State {
    /// Writing straight to stdout.
    Direct(BufWriter<Stdout>),
    /// Holding output until it is known whether it fits the screen.
    Holding { buffer: Vec<u8>, lines: usize },
    /// A pager is showing the output.
    Paging {
        child: Child,
        stdin: Option<ChildStdin>,
    },
}

/// Where results go when they go to the screen.
pub struct Screen {
    state: State,
    /// Output with more lines than this goes to the pager.
    height: usize,
    command: Option<String>,
}

impl Screen {
    /// Straight to stdout, never paged (batch mode, pipes).
    pub fn direct() -> Screen {
        Screen {
            state: State::Direct(BufWriter::new(io::stdout())),
            height: usize::MAX,
            command: None,
        }
    }

    /// Pages output taller than the terminal, when stdout is a terminal whose
    /// height is known and a pager is configured; otherwise direct.
    pub fn paged() -> Screen {
        use std::io::IsTerminal;
        let height = terminal_size::terminal_size().map(|(_, h)| h.0 as usize);
        match (io::stdout().is_terminal(), height, pager_command()) {
            // Keep a line for the row count under the result and one for the prompt.
            (true, Some(height), Some(command)) if height > 2 => Screen {
                state: State::Holding {
                    buffer: Vec::new(),
                    lines: 0,
                },
                height: height - 2,
                command: Some(command),
            },
            _ => Screen::direct(),
        }
    }

    fn start_pager(&mut self, held: Vec<u8>) -> io::Result<()> {
        let command = self.command.clone().unwrap_or_default();
        let spawned = Command::new("sh")
            .arg("-c")
            .arg(&command)
            .env(
                "LESS",
                std::env::var("LESS").unwrap_or_else(|_| "SRF".into()),
            )
            .stdin(Stdio::piped())
            .spawn();
        match spawned {
            Ok(mut child) => {
                let mut stdin = child.stdin.take();
                if let Some(pipe) = stdin.as_mut() {
                    pipe.write_all(&held)?;
                }
                self.state = State::Paging { child, stdin };
            }
            Err(error) => {
                // A missing pager must not lose the result: print it plainly.
                eprintln!(
                    "warning: cannot start the pager `{command}` ({error}); set PAGER= to turn it off"
                );
                let mut out = BufWriter::new(io::stdout());
                out.write_all(&held)?;
                self.state = State::Direct(out);
            }
        }
        Ok(())
    }

    /// Shows what is held and waits for the pager to be closed.
    pub fn finish(mut self) -> io::Result<()> {
        self.close()
    }

    fn close(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Direct(out) => out.flush(),
            State::Holding { buffer, .. } => {
                let mut out = io::stdout().lock();
                out.write_all(buffer)?;
                buffer.clear();
                out.flush()
            }
            State::Paging { child, stdin } => {
                // Closing its input tells the pager the result is complete.
                drop(stdin.take());
                child.wait().map(|_| ())
            }
        }
    }
}

impl Write for Screen {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match &mut self.state {
            State::Direct(out) => out.write(data),
            State::Paging { stdin, .. } => match stdin {
                Some(pipe) => pipe.write(data),
                None => Err(io::ErrorKind::BrokenPipe.into()),
            },
            State::Holding { buffer, lines } => {
                buffer.extend_from_slice(data);
                *lines += data.iter().filter(|&&b| b == b'\n').count();
                if *lines > self.height {
                    let held = std::mem::take(buffer);
                    self.start_pager(held)?;
                }
                Ok(data.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Direct(out) => out.flush(),
            State::Paging {
                stdin: Some(pipe), ..
            } => pipe.flush(),
            _ => Ok(()),
        }
    }
}

impl Drop for Screen {
    /// A cancelled query drops its screen: whatever was held is discarded, but a
    /// pager already showing must still be waited for, or it fights the prompt
    /// for the terminal.
    fn drop(&mut self) {
        match &mut self.state {
            State::Holding { buffer, .. } => buffer.clear(),
            State::Paging { child, stdin } => {
                drop(stdin.take());
                let _ = child.wait();
            }
            State::Direct(out) => {
                let _ = out.flush();
            }
        }
    }
}
