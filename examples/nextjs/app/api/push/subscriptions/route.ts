// POST /api/push/subscriptions (PushSubscription.toJSON()) → 201, or 200 when the endpoint was known
// DELETE /api/push/subscriptions { endpoint } → { removed }
import { isRecord } from '@/lib/push'
import { getStore, parseSubscription } from '@/lib/subscriptions'

export const runtime = 'nodejs'

export async function POST(request: Request): Promise<Response> {
  const parsed = parseSubscription(await request.json().catch(() => undefined))
  if ('error' in parsed) return Response.json({ error: parsed.error }, { status: 400 })
  const created = await (await getStore()).put(parsed.subscription)
  return Response.json({ endpoint: parsed.subscription.endpoint, created }, { status: created ? 201 : 200 })
}

export async function DELETE(request: Request): Promise<Response> {
  const body: unknown = await request.json().catch(() => undefined)
  if (!isRecord(body) || typeof body.endpoint !== 'string') {
    return Response.json({ error: 'endpoint must be a string' }, { status: 400 })
  }
  const removed = (await (await getStore()).delete([body.endpoint])) > 0
  return Response.json({ removed })
}
