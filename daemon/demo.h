/*
 * demo.h: `roundtable demo`: a demo coalition with a convener, design team
 * members, providers from three organizations, a funder and a parent, so a
 * newcomer can sign in and look around. Each area adds its demo items here.
 */
#ifndef RT_DEMO_H
#define RT_DEMO_H

#define DEMO_PASSWORD "roundtable-demo"
#define DEMO_SLUG "valley"

struct db;

/* Fills the database with the demo and prints the logins to stdout.
 * Returns RT_OK, RT_ECONFLICT if the demo exists, or another rt_err. */
int demo_create(struct db *db);

#endif
