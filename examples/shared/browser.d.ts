/** The directory holding app.js (the page script) and sw.js (the service worker). */
export declare const browserDir: string
/** The bytes of `app.js` or `sw.js`. */
export declare function readBrowserFile(name: 'app.js' | 'sw.js'): Promise<Buffer>
