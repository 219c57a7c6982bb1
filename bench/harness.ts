import type { StoreKind, StoreOptions } from '../src/db/store.js'

// What a benchmark gets and gives. bench/run.ts makes a fresh store per benchmark and per
// kind (a PGlite data folder, a PostgreSQL database), hands it over, and prints the figures.

export type BenchStore = {
  kind: StoreKind
  /** How to open it in this process: openStore(store.options). */
  options: StoreOptions
  /** How a child process finds it: DATABASE_URL or O2C_DATA_DIR. */
  env: Record<string, string>
  /** A folder for the benchmark's files, removed afterwards. */
  workDir: string
}

export type Figure = { measure: string; value: number; unit: string }

export type Benchmark = {
  name: string
  run(store: BenchStore): Promise<Figure[]>
}
