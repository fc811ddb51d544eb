// Next.js settings for an app that uses web-push-rs (a native addon).

/** @type {import('next').NextConfig} */
export default {
  // Native addon, WebAssembly, files read at run time: Node loads these from node_modules
  // when the server runs; the bundler must not inline them. (`pg` is on Next's own list.)
  // web-push-rs is the one your app needs; the others are this example's store.
  serverExternalPackages: ['web-push-rs', '@electric-sql/pglite', 'web-push-rs-example-shared'],
  // NEXT_OUTPUT=standalone: a self-contained .next/standalone/ (server.js plus only the
  // node_modules files it uses, the .node file included) to copy onto the server.
  output: process.env.NEXT_OUTPUT === 'standalone' ? 'standalone' : undefined,
}
