// Table types of the fulfilment engine and its connections (issue 5). `Database` extends this
// interface; the fulfilment migration adds the tables.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the fulfilment migration
export interface FulfillmentTables {}
