import { z } from 'zod'

// The payments module's configuration, from the environment (read when used, so a test or an
// operator can change it without a restart of the module).
//   O2C_PUBLIC_URL       where customers reach this server: pay-page links and the webhook
//                        address given to the provider are made from it.
//   O2C_MOLLIE_API_URL   the Mollie API's base URL (a local server in tests).
const schema = z.object({
  O2C_PUBLIC_URL: z.url().default('http://127.0.0.1:3000'),
  O2C_MOLLIE_API_URL: z.url().default('https://api.mollie.com/v2/'),
})

export type PaymentsConfig = { publicUrl: string; mollieApiUrl: string }

export function paymentsConfig(env: NodeJS.ProcessEnv = process.env): PaymentsConfig {
  const parsed = schema.safeParse(env)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`Configuration: ${issue.path.join('.')} ${issue.message}`)
  }
  return {
    publicUrl: parsed.data.O2C_PUBLIC_URL.replace(/\/+$/, ''),
    mollieApiUrl: parsed.data.O2C_MOLLIE_API_URL.replace(/\/*$/, '/'),
  }
}
