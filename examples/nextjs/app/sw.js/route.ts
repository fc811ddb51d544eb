// GET /sw.js: the service worker, shared with the Express example (web-push-rs-example-shared).
// At the site root, so its scope is the whole site. In your own app, put it in public/ instead.
import { readBrowserFile } from 'web-push-rs-example-shared/browser'

export const runtime = 'nodejs'

export async function GET(): Promise<Response> {
  return new Response(new Uint8Array(await readBrowserFile('sw.js')), {
    headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' },
  })
}
