//! The reference is tiktoken itself (`tiktoken-rs`): the same tokens, counts and bytes.

use std::sync::OnceLock;

use proptest::prelude::*;
use tiktoken_rs::CoreBPE;

use super::*;

fn tiktoken() -> &'static CoreBPE {
    static BPE: OnceLock<CoreBPE> = OnceLock::new();
    BPE.get_or_init(|| tiktoken_rs::o200k_base().expect("o200k"))
}

fn o200k() -> &'static O200k {
    static O200K: OnceLock<O200k> = OnceLock::new();
    O200K.get_or_init(|| O200k::new().expect("valid patterns"))
}

fn same_as_tiktoken(text: &str) -> Result<(), TestCaseError> {
    let expected = tiktoken().encode_ordinary(text);
    prop_assert_eq!(&o200k().encode(text), &expected, "encode {:?}", text);
    prop_assert_eq!(o200k().count(text), expected.len() as u64, "count {:?}", text);
    let decoded = o200k().decode(&expected);
    prop_assert_eq!(decoded.as_deref(), Some(text.as_bytes()), "decode {:?}", text);
    Ok(())
}

#[test]
fn every_token_is_tiktokens_both_ways() {
    let specials = tiktoken().special_tokens();
    let mut ordinary = 0;
    for rank in 0..o200k().vocabulary_size() + 64 {
        let theirs = tiktoken().decode_bytes(&[rank]).ok().filter(|b| !std::str::from_utf8(b).is_ok_and(|s| specials.contains(s)));
        assert_eq!(table::bytes(rank), theirs.as_deref(), "rank {rank}");
        if let Some(bytes) = theirs {
            assert_eq!(table::rank(&bytes), Some(rank), "{bytes:?}");
            ordinary += 1;
        }
    }
    assert!(ordinary > 199_000, "{ordinary} ordinary tokens");
    assert_eq!(o200k().decode(&[o200k().vocabulary_size()]), None);
}

#[test]
fn what_servers_write_is_tokenized_as_tiktoken_does() {
    let long = "x".repeat(300);
    for text in [
        "",
        " token latency",
        "Hello, world! It's 2026: 12345 tokens/s.\n\n  Next line\t\tand   spaces   ",
        "Grüße 世界 émigré 😀 don't WE'LL 's",
        "   leading and trailing   ",
        "\r\n\r\n\n  \n",
        "a\u{301}bc MIXEDcase camelCaseWord",
        "// comments, code: fn main() { println!(\"{}\", 1_000); }",
        "supercalifragilisticexpialidocious antidisestablishmentarianism",
        &long,
    ] {
        same_as_tiktoken(text).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn made_up_text_is_tokenized_as_tiktoken_does(
        parts in prop::collection::vec(
            prop::sample::select(vec![
                " ", "  ", "\t", "\n", "\r\n", "\r", "\u{a0}", "the", " The", "WORD", "camelCase", "'s", "'LL", "'t",
                "12", "3456", "7", ".", ",", "!?", "/", "//", "-", "é", "e\u{301}", "世界", "😀", "Ω", "\u{200b}", "_", "$",
                "qzx", "Zyzzyva", "ing", "tion",
            ]),
            0..24,
        ),
    ) {
        same_as_tiktoken(&parts.concat())?;
    }

    #[test]
    fn any_text_is_tokenized_as_tiktoken_does(text in "\\PC{0,40}") {
        same_as_tiktoken(&text)?;
    }

    #[test]
    fn long_pieces_are_tokenized_as_tiktoken_does(text in "[aab0=-]{0,300}") {
        same_as_tiktoken(&text)?;
    }

    #[test]
    fn any_bytes_made_text_are_tokenized_as_tiktoken_does(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
        same_as_tiktoken(&String::from_utf8_lossy(&bytes))?;
    }
}
