// GET /api/push → { publicKey }
// POST /api/push { title, body, icon?, tag?, url? } → fans out to every stored subscription
// (streamed from the table into one WebPush.sendMany) and deletes the ones that are gone (404/410).
// Anyone who can reach POST can notify every subscriber: check your session/auth first.
import { getPush, parseNotification, vapidPublicKey } from '@/lib/push'
import { getStore } from '@/lib/subscriptions'

// A native addon needs the Node.js runtime (not Edge); nothing here can be prerendered.
export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export async function GET(): Promise<Response> {
  return Response.json({ publicKey: vapidPublicKey() })
}

export async function POST(request: Request): Promise<Response> {
  const parsed = parseNotification(await request.json().catch(() => undefined))
  if ('error' in parsed) return Response.json({ error: parsed.error }, { status: parsed.status })

  const store = await getStore()
  const { report, removed } = await store.sendToAll(getPush(), parsed.payload)
  return Response.json({
    total: report.total,
    sent: report.sent,
    gone: report.gone.length,
    rejected: report.rejected.length,
    failed: report.failed.length,
    removed,
  })
}
