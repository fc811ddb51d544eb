// Type-checks web-push-rs/queue's typings under --strict (compiled, never run).
import { Campaigns } from '../../queue'
import type { CampaignOutcome, CampaignReport } from '../../queue'

export async function usage(): Promise<void> {
  const campaigns = new Campaigns({ connection: { host: '127.0.0.1', port: 6379 }, prefix: 'webpush' })
  const fromUrl = new Campaigns({ connection: 'redis://127.0.0.1:6379', connectTimeoutMs: 2000 })
  async function* targets() {
    yield { endpoint: 'https://push.example.net/1', keys: { p256dh: 'p', auth: 'a' } }
    yield { subscription: { endpoint: 'https://push.example.net/2' }, payload: Buffer.from('own'), options: { urgency: 'high' as const } }
  }
  const { id, total } = await campaigns.start({ id: 'sale-2026-12', payload: 'x', options: { ttl: 3600, urgency: 'low', topic: 'sale' }, targets: targets(), chunkSize: 500 })
  const worker = campaigns.worker({
    vapid: { subject: 'mailto:ops@example.net', publicKey: 'p', privateKey: 'k' },
    concurrency: 100,
    chunksAtOnce: 2,
    retry: { attempts: 5, maxDelayMs: 10000 },
    lockDurationMs: 30000,
    onGone: async (gone: CampaignOutcome[]) => {
      for (const o of gone) console.log(o.endpoint)
    },
  })
  await worker.ready()
  const inFlight: number = worker.maxInFlight
  const report: CampaignReport = await campaigns.wait(id, { onProgress: (r) => r.pending, signal: AbortSignal.timeout(60000) })
  for await (const o of campaigns.outcomes(id, { kind: 'gone' })) {
    const code: string | undefined = o.code
    console.log(o.index, o.kind, o.statusCode, code, o.attempts)
  }
  const cancelled: CampaignReport = await campaigns.cancel(id)
  await campaigns.remove(id)
  await worker.close()
  await campaigns.close()
  await fromUrl.close()
  console.log(total, inFlight, report.state, cancelled.cancelled)
}
