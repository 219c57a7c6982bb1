import { z } from 'zod'

// Configuration comes from the environment only, parsed once at the edge.
const configSchema = z.object({
  DATABASE_URL: z.string().min(1).optional(),
  O2C_DATA_DIR: z.string().min(1).default('./.o2c'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  O2C_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  O2C_WORKER: z.enum(['on', 'off']).default('on'),
  O2C_TENANT: z.string().optional(),
  // Delivery (src/modules/delivery): the SMTP server mail goes out through, the sender, and
  // the folder a Peppol access point watches. (O2C_PUBLIC_URL is the payments module's.)
  O2C_SMTP_URL: z.string().min(1).optional(),
  O2C_MAIL_FROM: z.string().min(1).optional(),
  O2C_PEPPOL_DROP_DIR: z.string().min(1).optional(),
})

export type Config = z.infer<typeof configSchema>

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`Configuration: ${issue.path.join('.')} ${issue.message}`)
  }
  return parsed.data
}
