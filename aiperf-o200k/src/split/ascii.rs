//! The `o200k_base` pre-tokenizer's piece at a position, by hand, where the text is ASCII: what
//! servers mostly write, and where the regular expressions cost more than the counting. Whenever
//! the piece could depend on a character beyond ASCII (it starts with one, or one follows where a
//! run could go on) the answer is `None` and the search decides. In ASCII, `\p{L}` is `A-Za-z`
//! (`\p{Lu}` upper, `\p{Ll}` lower, no `Lt`/`Lm`/`Lo`/`M`), `\p{N}` is `0-9`, and `\s` is
//! `\t \n \x0b \x0c \r` and space.

/// The end of the piece that starts at `at`, or `None` to leave it to the search.
pub(super) fn piece_end(b: &[u8], at: usize) -> Option<usize> {
    let first = *b.get(at).filter(|c| c.is_ascii())?;
    if let Some(end) = word(b, at) {
        return end;
    }
    if first.is_ascii_digit() {
        // `\p{N}{1,3}`: a fourth digit, or a character beyond ASCII that may be one, decides.
        let end = at + b[at..].iter().take(3).take_while(|c| c.is_ascii_digit()).count();
        return (end - at == 3 || b.get(end).is_none_or(u8::is_ascii)).then_some(end);
    }
    if let Some(end) = punctuation(b, at) {
        return end;
    }
    spaces(b, at)
}

fn is_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// ASCII that is neither a letter, a digit nor whitespace.
fn is_punctuation(c: u8) -> bool {
    c.is_ascii() && !c.is_ascii_alphanumeric() && !is_space(c)
}

/// The two word patterns, `[^\r\n\p{L}\p{N}]?` then `[\p{Lu}…]*[\p{Ll}…]+` or `[\p{Lu}…]+[\p{Ll}…]*`,
/// then a contraction: `None` when no word starts at `at`, `Some(None)` when the search decides.
fn word(b: &[u8], at: usize) -> Option<Option<usize>> {
    let prefixed = !b[at].is_ascii_alphanumeric() && !matches!(b[at], b'\r' | b'\n');
    let start = if prefixed { at + 1 } else { at };
    match b.get(start) {
        Some(c) if c.is_ascii_alphabetic() => {}
        // A prefix before a character beyond ASCII: it may be a letter.
        Some(c) if prefixed && !c.is_ascii() => return Some(None),
        _ => return None,
    }
    let upper = b[start..].iter().take_while(|c| c.is_ascii_uppercase()).count();
    let lower = b[start + upper..].iter().take_while(|c| c.is_ascii_lowercase()).count();
    let end = start + upper + lower;
    // A letter or mark beyond ASCII would go on with the word.
    if b.get(end).is_some_and(|c| !c.is_ascii()) {
        return Some(None);
    }
    Some(contraction(b, end).map(|n| end + n))
}

/// The length of `(?i:'s|'t|'re|'ve|'m|'ll|'d)` at `at` (0 for none), or `None` when a character
/// beyond ASCII follows the apostrophe (case folding maps some to `s` or `k`).
fn contraction(b: &[u8], at: usize) -> Option<usize> {
    if b.get(at) != Some(&b'\'') {
        return Some(0);
    }
    let lower = |i: usize| b.get(at + i).map(u8::to_ascii_lowercase);
    match (lower(1), lower(2)) {
        (Some(c), _) if !c.is_ascii() => None,
        (Some(b's' | b't' | b'm' | b'd'), _) => Some(2),
        (Some(b'r'), Some(b'e')) | (Some(b'v'), Some(b'e')) | (Some(b'l'), Some(b'l')) => Some(3),
        (Some(b'r' | b'v' | b'l'), Some(c)) if !c.is_ascii() => None,
        _ => Some(0),
    }
}

/// ` ?[^\s\p{L}\p{N}]+[\r\n/]*`: `None` when no such run starts at `at`, `Some(None)` when the
/// search decides.
fn punctuation(b: &[u8], at: usize) -> Option<Option<usize>> {
    let start = if b[at] == b' ' { at + 1 } else { at };
    match b.get(start) {
        Some(&c) if is_punctuation(c) => {}
        Some(c) if !c.is_ascii() => return Some(None),
        _ => return None,
    }
    let mut end = start + b[start..].iter().take_while(|&&c| is_punctuation(c)).count();
    // A symbol beyond ASCII would go on with the run.
    if b.get(end).is_some_and(|c| !c.is_ascii()) {
        return Some(None);
    }
    end += b[end..].iter().take_while(|c| matches!(c, b'\r' | b'\n' | b'/')).count();
    Some(Some(end))
}

/// The whitespace patterns, in their order: `\s*[\r\n]+`, `\s+$`, `\s+\s` less its last
/// character, `\s+`.
fn spaces(b: &[u8], at: usize) -> Option<usize> {
    let run = b[at..].iter().take_while(|&&c| is_space(c)).count();
    let end = at + run;
    // Whitespace beyond ASCII would go on with the run.
    if run == 0 || b.get(end).is_some_and(|c| !c.is_ascii()) {
        return None;
    }
    if let Some(last) = b[at..end].iter().rposition(|c| matches!(c, b'\r' | b'\n')) {
        return Some(at + last + 1);
    }
    Some(if end == b.len() || run == 1 { end } else { end - 1 })
}
