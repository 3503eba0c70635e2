//! A `MakeWriter` that buffers each log record and masks registered secrets before writing it.

use std::io::{self, Write};

use berth_secrets::Redactor;
use tracing_subscriber::fmt::MakeWriter;

/// Wraps another `MakeWriter`; every record passes through [`Redactor::redact`].
#[derive(Clone)]
pub struct RedactingMakeWriter<M> {
    inner: M,
    redactor: Redactor,
}

impl<M> RedactingMakeWriter<M> {
    pub fn new(inner: M, redactor: Redactor) -> Self {
        Self { inner, redactor }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for RedactingMakeWriter<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter { inner: self.inner.make_writer(), redactor: self.redactor.clone(), buf: Vec::new() }
    }
}

/// Collects one record; a secret split across two `write` calls is still seen whole because the
/// record is only redacted and forwarded when the writer is flushed or dropped.
pub struct RedactingWriter<W: Write> {
    inner: W,
    redactor: Redactor,
    buf: Vec<u8>,
}

impl<W: Write> RedactingWriter<W> {
    fn forward(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.buf);
        let masked = self.redactor.redact(&text);
        self.inner.write_all(masked.as_bytes())?;
        self.buf.clear();
        self.inner.flush()
    }
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.forward()
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        let _ = self.forward();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_a_secret_split_across_writes() {
        let redactor = Redactor::new();
        redactor.register("abcd-secret");
        let mut out = Vec::new();
        {
            let mut w = RedactingWriter { inner: &mut out, redactor, buf: Vec::new() };
            w.write_all(b"token=abcd-").unwrap();
            w.write_all(b"secret end\n").unwrap();
        }
        assert_eq!(String::from_utf8(out).unwrap(), "token=[REDACTED] end\n");
    }
}
