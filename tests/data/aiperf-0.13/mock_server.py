import asyncio, json, time, sys
from aiohttp import web
async def chat(req):
    body = await req.json()
    stream = body.get("stream", False)
    n = body.get("max_completion_tokens") or body.get("max_tokens") or 16
    words = ["tok%d " % i for i in range(n)]
    created = int(time.time())
    if not stream:
        await asyncio.sleep(0.005)
        return web.json_response({"id":"x","object":"chat.completion","created":created,"model":body.get("model"),
          "choices":[{"index":0,"message":{"role":"assistant","content":"".join(words)},"finish_reason":"length"}],
          "usage":{"prompt_tokens":100,"completion_tokens":n,"total_tokens":100+n}})
    resp = web.StreamResponse(headers={"Content-Type":"text/event-stream"})
    await resp.prepare(req)
    await asyncio.sleep(0.003)
    for i,w in enumerate(words):
        ch = {"id":"x","object":"chat.completion.chunk","created":created,"model":body.get("model"),
              "choices":[{"index":0,"delta":{"content":w},"finish_reason":None}]}
        await resp.write(("data: "+json.dumps(ch)+"\n\n").encode())
        await asyncio.sleep(0.001)
    ch = {"id":"x","object":"chat.completion.chunk","created":created,"model":body.get("model"),"choices":[{"index":0,"delta":{},"finish_reason":"length"}],
          "usage":{"prompt_tokens":100,"completion_tokens":n,"total_tokens":100+n}}
    await resp.write(("data: "+json.dumps(ch)+"\n\n").encode())
    await resp.write(b"data: [DONE]\n\n")
    await resp.write_eof()
    return resp
async def models(req):
    return web.json_response({"object":"list","data":[{"id":"mock","object":"model"}]})
app = web.Application()
app.router.add_post("/v1/chat/completions", chat)
app.router.add_get("/v1/models", models)
app.router.add_get("/health", models)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
