/** One schema change: applied once, in list order, recorded by name in schema_migrations. */
export interface SqliteMigration {
  /** Unique and never renamed: "NNNN_what". */
  name: string;
  sql: string;
}
