//! Byte offset → 1-based line and column.

/// Converts offsets in one haystack to line and column numbers. Queries in increasing offset
/// order cost the bytes between them; a query behind the cursor restarts from the beginning.
#[derive(Debug)]
pub struct LineIndex<'a> {
    hay: &'a [u8],
    /// Offset of the start of the line the cursor is on.
    line_start: usize,
    /// 1-based number of that line.
    line: u32,
}

impl<'a> LineIndex<'a> {
    pub fn new(hay: &'a [u8]) -> LineIndex<'a> {
        LineIndex { hay, line_start: 0, line: 1 }
    }

    /// The 1-based (line, column) of byte `offset`; the column counts bytes.
    pub fn locate(&mut self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.hay.len());
        if offset < self.line_start {
            self.line_start = 0;
            self.line = 1;
        }
        let mut pos = self.line_start;
        while let Some(nl) = memchr::memchr(b'\n', &self.hay[pos..offset]) {
            pos += nl + 1;
            self.line += 1;
            self.line_start = pos;
        }
        let col = offset - self.line_start + 1;
        (self.line, u32::try_from(col).unwrap_or(u32::MAX))
    }

    /// The bytes of the line before the one containing `offset`, if there is one.
    pub fn previous_line_bytes(&self, offset: usize) -> Option<&'a [u8]> {
        let offset = offset.min(self.hay.len());
        let start = memchr::memrchr(b'\n', &self.hay[..offset])?;
        Some(self.line_bytes(start))
    }

    /// The bytes of the line containing `offset`, without its line terminator.
    pub fn line_bytes(&self, offset: usize) -> &'a [u8] {
        let offset = offset.min(self.hay.len());
        let start = memchr::memrchr(b'\n', &self.hay[..offset]).map_or(0, |p| p + 1);
        let end = memchr::memchr(b'\n', &self.hay[offset..]).map_or(self.hay.len(), |p| offset + p);
        let line = &self.hay[start..end];
        line.strip_suffix(b"\r").unwrap_or(line)
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn locates_forward_and_backward() {
        let hay = b"ab\ncd\r\n\nxyz";
        let mut idx = LineIndex::new(hay);
        assert_eq!(idx.locate(0), (1, 1));
        assert_eq!(idx.locate(1), (1, 2));
        assert_eq!(idx.locate(3), (2, 1));
        assert_eq!(idx.locate(8), (4, 1));
        assert_eq!(idx.locate(10), (4, 3));
        assert_eq!(idx.locate(4), (2, 2));
        assert_eq!(idx.line_bytes(4), b"cd");
        assert_eq!(idx.line_bytes(7), b"");
        assert_eq!(idx.line_bytes(9), b"xyz");
        assert_eq!(idx.previous_line_bytes(4), Some(&b"ab"[..]));
        assert_eq!(idx.previous_line_bytes(1), None);
    }
}
