import { z } from 'zod'

// Configuration comes from the environment only, parsed once at the edge.
const configSchema = z
  .object({
    DATABASE_URL: z.string().min(1).optional(),
    O2C_DATA_DIR: z.string().min(1).default('./.o2c'),
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    HOST: z.string().default('127.0.0.1'),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    O2C_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    O2C_WORKER: z.enum(['on', 'off']).default('on'),
    O2C_TENANT: z.string().optional(),
    // Delivery (src/modules/delivery): the SMTP server mail goes out through, the sender, and
    // the folder a Peppol access point watches. (O2C_PUBLIC_URL is the payments module's.)
    O2C_SMTP_URL: z.string().min(1).optional(),
    O2C_MAIL_FROM: z.string().min(1).optional(),
    O2C_PEPPOL_DROP_DIR: z.string().min(1).optional(),
    // Collections (src/modules/collections/dunning): the folder the development transport for
    // text and WhatsApp messages writes to, one JSON file per message. Unset: none is sent.
    O2C_MESSAGING_DIR: z.string().min(1).optional(),
    // Cash application (src/modules/cashapp/remittance/inbound-mail.ts): remittance advices by
    // mail, to remittance+TENANTSLUG@O2C_INBOUND_MAIL_DOMAIN. Off unless the port is set; then
    // `o2c serve` also listens for SMTP there.
    O2C_INBOUND_SMTP_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
    O2C_INBOUND_SMTP_HOST: z.string().min(1).default('127.0.0.1'),
    O2C_INBOUND_MAIL_DOMAIN: z
      .string()
      .regex(/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'must be a mail domain such as in.example.com')
      .optional(),
  })
  .refine(
    (config) => config.O2C_INBOUND_SMTP_PORT === undefined || config.O2C_INBOUND_MAIL_DOMAIN,
    {
      path: ['O2C_INBOUND_MAIL_DOMAIN'],
      message: 'is required when O2C_INBOUND_SMTP_PORT is set (the domain of remittance+SLUG@…)',
    },
  )

export type Config = z.infer<typeof configSchema>

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`Configuration: ${issue.path.join('.')} ${issue.message}`)
  }
  return parsed.data
}
