// Table types of consent records, restrictions and the cookie banner (issue 7). `Database`
// extends this interface; the consent migration adds the tables.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the consent migration
export interface ConsentTables {}
