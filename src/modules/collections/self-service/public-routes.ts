import type { FastifyInstance } from 'fastify'

export async function selfServicePublicRoutes(_app: FastifyInstance): Promise<void> {}
