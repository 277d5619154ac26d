#!/usr/bin/env python3
"""Generate a tiny, random-weight llama-architecture GGUF model for llama-server.

Usage:  python make_model.py [out.gguf]      (default: tiny.gguf next to this script)
Needs:  pip install gguf numpy               (tested with gguf 0.19.0, numpy 2.4.6)

The model is deterministic (numpy seed 1234): running the script twice gives
byte-identical files.

Architecture: llama, 2 layers, n_embd 64, 4 heads (head dim 16, no GQA),
ffn 128, context 512, F32 weights, untied output.weight.

Tokenizer: GPT-2 style byte-level BPE ("gpt2", pre-tokenizer "default"):
  ids   0..255  the 256 byte tokens, spelled with GPT-2's bytes_to_unicode map
  ids 256..263  8 merged tokens (He ll Ġt he Ġa in er on) with 8 merges
  id  264       <s>          BOS (control), added at the start of every prompt
  id  265       </s>         EOS (control)
  id  266       <|im_start|> control
  id  267       <|im_end|>   EOT (control) - ends a chat turn
Chat template: ChatML (the <|im_start|>role\n...<|im_end|>\n format).

The weights are random, but shaped so that generation is mostly printable
ASCII gibberish and practically never emits a special token: dimension 0 of
every token embedding is a constant +1 "bias" channel, the layers only add
small noise, output_norm scales that channel by 8, and the LM head row of each
token carries +1 in dimension 0 for letters/space/merged tokens and -1 for
everything else (bytes, punctuation, newline, special tokens), so the logits
of "nice" tokens are ~50 higher.  Consequence for the captures:
requests with max_tokens run to the limit (finish_reason "length").
"""
import os
import sys

import numpy as np
import gguf

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "tiny.gguf")

N_LAYER, N_EMBD, N_HEAD, N_HEAD_KV, N_FF, N_CTX = 2, 64, 4, 4, 128, 512
HEAD_DIM = N_EMBD // N_HEAD

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode char map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def build_vocab():
    b2u = bytes_to_unicode()
    tokens = [b2u[b] for b in range(256)]
    types = [gguf.TokenType.NORMAL] * 256
    merges = ["H e", "l l", "Ġ t", "h e", "Ġ a", "i n", "e r", "o n"]
    for m in merges:
        tokens.append(m.replace(" ", ""))
        types.append(gguf.TokenType.NORMAL)
    specials = ["<s>", "</s>", "<|im_start|>", "<|im_end|>"]
    for s in specials:
        tokens.append(s)
        types.append(gguf.TokenType.CONTROL)
    ids = {t: i for i, t in enumerate(tokens)}
    assert len(ids) == len(tokens)
    # "nice" tokens: ASCII letters, space, and the merged tokens
    nice = set(range(ord("a"), ord("z") + 1)) | set(range(ord("A"), ord("Z") + 1)) | {ord(" ")}
    nice_ids = {b for b in range(256) if b in nice} | set(range(256, 256 + len(merges)))
    return tokens, types, merges, ids, nice_ids


def main():
    rng = np.random.default_rng(1234)
    tokens, types, merges, ids, nice_ids = build_vocab()
    n_vocab = len(tokens)

    w = gguf.GGUFWriter(OUT, "llama")
    w.add_name("aiperf-tiny-random-llama")
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(HEAD_DIM)
    w.add_rope_freq_base(10000.0)
    w.add_vocab_size(n_vocab)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)

    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(ids["<s>"])
    w.add_eos_token_id(ids["</s>"])
    w.add_eot_token_id(ids["<|im_end|>"])
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template(CHAT_TEMPLATE)

    f32 = np.float32
    # token embeddings (numpy shape [n_vocab, n_embd] == GGUF/ggml ne {n_embd, n_vocab});
    # dim 0 is a constant +1 "bias" channel carried by the residual stream
    emb = rng.normal(0.0, 0.3, size=(n_vocab, N_EMBD)).astype(f32)
    emb[:, 0] = 1.0
    w.add_tensor("token_embd.weight", emb)
    # final norm amplifies the bias channel
    onorm = np.ones(N_EMBD, dtype=f32)
    onorm[0] = 8.0
    w.add_tensor("output_norm.weight", onorm)
    # untied LM head: bias channel gives +1 (nice) / -1 (everything else, incl. specials)
    out = rng.normal(0.0, 0.3, size=(n_vocab, N_EMBD)).astype(f32)
    out[:, 0] = -1.0
    out[sorted(nice_ids), 0] = 1.0
    w.add_tensor("output.weight", out)

    for i in range(N_LAYER):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", np.ones(N_EMBD, dtype=f32))
        w.add_tensor(p + "attn_q.weight", rng.normal(0, 0.05, (N_HEAD * HEAD_DIM, N_EMBD)).astype(f32))
        w.add_tensor(p + "attn_k.weight", rng.normal(0, 0.05, (N_HEAD_KV * HEAD_DIM, N_EMBD)).astype(f32))
        w.add_tensor(p + "attn_v.weight", rng.normal(0, 0.05, (N_HEAD_KV * HEAD_DIM, N_EMBD)).astype(f32))
        w.add_tensor(p + "attn_output.weight", rng.normal(0, 0.05, (N_EMBD, N_HEAD * HEAD_DIM)).astype(f32))
        w.add_tensor(p + "ffn_norm.weight", np.ones(N_EMBD, dtype=f32))
        gate = rng.normal(0, 0.05, (N_FF, N_EMBD)).astype(f32)
        up = rng.normal(0, 0.05, (N_FF, N_EMBD)).astype(f32)
        down = rng.normal(0, 0.05, (N_EMBD, N_FF)).astype(f32)
        w.add_tensor(p + "ffn_gate.weight", gate)
        w.add_tensor(p + "ffn_up.weight", up)
        w.add_tensor(p + "ffn_down.weight", down)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {OUT}: {os.path.getsize(OUT)} bytes, n_vocab={n_vocab}")


if __name__ == "__main__":
    main()
