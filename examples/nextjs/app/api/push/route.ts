// GET /api/push → { publicKey }
// POST /api/push { title, body, icon?, tag?, url? } → fans out to every stored subscription
// with one WebPush.sendMany and deletes the ones that are gone (404/410).
// Anyone who can reach POST can notify every subscriber: check your session/auth first.
import { getPush, parseNotification, vapidPublicKey } from '@/lib/push'
import { deleteSubscriptions, listSubscriptions } from '@/lib/subscriptions'

// A native addon needs the Node.js runtime (not Edge); nothing here can be prerendered.
export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export async function GET(): Promise<Response> {
  return Response.json({ publicKey: vapidPublicKey() })
}

export async function POST(request: Request): Promise<Response> {
  const parsed = parseNotification(await request.json().catch(() => undefined))
  if ('error' in parsed) return Response.json({ error: parsed.error }, { status: parsed.status })

  const report = await getPush().sendMany(await listSubscriptions(), parsed.payload)
  const removed = report.gone.map((outcome) => outcome.endpoint)
  await deleteSubscriptions(removed)
  return Response.json({
    total: report.total,
    sent: report.sent,
    gone: report.gone.length,
    rejected: report.rejected.length,
    failed: report.failed.length,
    removed,
  })
}
