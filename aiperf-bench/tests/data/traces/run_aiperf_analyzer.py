"""Prints AIPerf 0.13's own trace analysis (its PrefixAnalyzer's AnalysisStats, as
`aiperf analyze-trace --output-file` writes it) of a trace, for a block size:

    pip install aiperf==0.13.0
    python run_aiperf_analyzer.py TRACE.jsonl BLOCK_SIZE > TRACE.aiperf.json

The witness `aiperf analyze-trace` is compared with (aiperf-bench/src/dataset/trace_analysis)."""
import sys

from aiperf.dataset.synthesis.prefix_analyzer import PrefixAnalyzer

analyzer = PrefixAnalyzer(block_size=int(sys.argv[2]))
print(analyzer.analyze_file(sys.argv[1]).model_dump_json(indent=2))
