//! "Did you mean" for names.

/// The candidate closest to `input` by edit distance, if it is close enough to be a typo
/// (at most a third of the longer word, and at least one edit allowed).
pub(crate) fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&input, &c.to_ascii_lowercase()), c))
        .filter(|&(distance, c)| distance <= (input.len().max(c.len()) / 3).max(1))
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    const NAMES: [&str; 4] = ["chat", "completions", "embeddings", "rankings"];

    #[test]
    fn suggests_typos() {
        assert_eq!(closest("caht", NAMES), Some("chat"));
        assert_eq!(closest("embedings", NAMES), Some("embeddings"));
        assert_eq!(closest("Ranking", NAMES), Some("rankings"));
        assert_eq!(closest("completion", NAMES), Some("completions"));
    }

    #[test]
    fn no_suggestion_when_nothing_is_close() {
        assert_eq!(closest("audio", NAMES), None);
        assert_eq!(closest("", NAMES), None);
    }
}
