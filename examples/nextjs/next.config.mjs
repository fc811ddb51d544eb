// web-push-rs is a native addon: let Node load it instead of bundling it (Next.js 15;
// on Next.js 14 use experimental.serverComponentsExternalPackages).
export default {
  serverExternalPackages: ['web-push-rs'],
}
