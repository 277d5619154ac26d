//! Checking and skipping the values the reader does not record, as serde's `IgnoredAny` does.

use super::{MAX_DEPTH, Reader};

impl Reader<'_> {
    /// [`Self::skip_value`] of a field's value, with the values servers send most in fields the
    /// reader ignores (a string, `null`) skipped inline.
    #[inline(always)]
    pub(super) fn skip_field(&mut self) -> Option<()> {
        match self.b.get(self.i) {
            Some(b'"') => {
                self.i += 1;
                self.raw_string().map(drop)
            }
            Some(b'n') => self.literal(b"null"),
            _ => self.skip_value(0),
        }
    }

    /// Checks and skips any JSON value, as serde's `IgnoredAny` does.
    pub(super) fn skip_value(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'n' => self.literal(b"null"),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'"' => {
                self.i += 1;
                self.raw_string().map(drop)
            }
            b'-' | b'0'..=b'9' => self.skip_number(),
            b'[' if depth < MAX_DEPTH => {
                self.i += 1;
                if self.closes(b']')? {
                    return Some(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    if !self.more(b']')? {
                        return Some(());
                    }
                }
            }
            b'{' if depth < MAX_DEPTH => self.object(&[], |r, _| r.skip_value(depth + 1)),
            _ => None,
        }
    }

    /// A number by JSON's grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn skip_number(&mut self) -> Option<()> {
        let digits = |r: &mut Self| {
            let start = r.i;
            while let Some(b'0'..=b'9') = r.b.get(r.i) {
                r.i += 1;
            }
            r.i - start
        };
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.b.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                digits(self);
            }
            _ => return None,
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            (digits(self) > 0).then_some(())?;
        }
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            (digits(self) > 0).then_some(())?;
        }
        Some(())
    }
}
