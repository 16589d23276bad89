/**
 * The benchmark's floor: the least a Worker can do to put and get R2 objects over HTTP, with no
 * authentication, policy or metering. `npm run bench` compares the S3 gateway against it.
 *   PUT /<key>  streams the request body into R2 (a body with a Content-Length has a known length)
 *   GET /<key>  streams the object back
 */
interface FloorEnv {
  BENCH: R2Bucket;
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const key = decodeURIComponent(new URL(request.url).pathname.slice(1));
    if (request.method === "PUT") {
      if (!request.body || request.headers.get("content-length") === null)
        return new Response("Content-Length required\n", { status: 411 });
      const obj = await env.BENCH.put(key, request.body);
      return new Response(null, { headers: { ETag: `"${obj!.etag}"` } });
    }
    if (request.method === "GET") {
      const obj = await env.BENCH.get(key);
      if (!obj) return new Response("not found\n", { status: 404 });
      // A binary Content-Type, as the gateway sends: without one, wrangler dev gzips the response.
      return new Response(obj.body, {
        headers: { "Content-Type": "application/octet-stream", "Content-Length": String(obj.size), ETag: `"${obj.etag}"` },
      });
    }
    return new Response(null, { status: 405, headers: { Allow: "GET, PUT" } });
  },
};
