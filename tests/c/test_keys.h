/*
 * Fixed NKeys and JWTs for the C authentication tests (test_auth,
 * test_ws). The C API has no key generation, so these are test fixtures,
 * not secrets: the NATS docs' example user key pair, another user seed
 * unknown to every server, and an operator -> account -> user chain minted
 * once (no expiry) whose server trusts the operator and preloads the
 * account (TEST_OPERATOR_SERVER_CONF).
 */
#ifndef RNATS_TEST_KEYS_H_
#define RNATS_TEST_KEYS_H_

/* The NATS docs' NKey example key pair. */
#define DOCS_SEED "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY"
#define DOCS_PUB "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4"
/* Another user seed, unknown to the servers. */
#define OTHER_SEED "SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4GY"

#define TEST_OPERATOR_JWT \
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJpYXQiOjE3MDAwMDAwMDAsI" \
    "mlzcyI6Ik9BRFVJSFZCM08zWVczVFQyN0tPNkJCSkU1NEhBM1dXNldYU1Y2V0pHS0VFSlpJV" \
    "U9WRFhUR0Y3IiwianRpIjoiUk5BVFNURVNUMTc5NTUwMzg3NDcyMTQ1OTk5OFgzMTI3WDAiL" \
    "CJuYW1lIjoicm5hdHMtYy10ZXN0LW9wZXJhdG9yIiwibmF0cyI6eyJ0eXBlIjoib3BlcmF0b" \
    "3IiLCJ2ZXJzaW9uIjoyfSwic3ViIjoiT0FEVUlIVkIzTzNZVzNUVDI3S082QkJKRTU0SEEzV" \
    "1c2V1hTVjZXSkdLRUVKWklVT1ZEWFRHRjcifQ.enbInrwezB0Ml-TlcrG2PxjQEJyqdvPvQQ" \
    "9jGNaZththGUxbBj9LNVDxN4g7QvbNbwkqwK3_EGnEH1UGTC76Cg"
#define TEST_ACCOUNT_PUB "ADQ3GTKUYGGZX3OJ3JZ7BL6BCFJBEV6JMCUMMOVIBDMKWPGY3EHUOPOT"
#define TEST_ACCOUNT_JWT \
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJpYXQiOjE3MDAwMDAwMDAsI" \
    "mlzcyI6Ik9BRFVJSFZCM08zWVczVFQyN0tPNkJCSkU1NEhBM1dXNldYU1Y2V0pHS0VFSlpJV" \
    "U9WRFhUR0Y3IiwianRpIjoiUk5BVFNURVNUMTc5NTUwMzg3NDcyMTc3OTc0N1gzMTI3WDEiL" \
    "CJuYW1lIjoicm5hdHMtYy10ZXN0LWFjY291bnQiLCJuYXRzIjp7ImRlZmF1bHRfcGVybWlzc" \
    "2lvbnMiOnsicHViIjp7fSwic3ViIjp7fX0sImxpbWl0cyI6eyJjb25uIjotMSwiZGF0YSI6L" \
    "TEsImV4cG9ydHMiOi0xLCJpbXBvcnRzIjotMSwibGVhZiI6LTEsInBheWxvYWQiOi0xLCJzd" \
    "WJzIjotMSwid2lsZGNhcmRzIjp0cnVlfSwidHlwZSI6ImFjY291bnQiLCJ2ZXJzaW9uIjoyf" \
    "Swic3ViIjoiQURRM0dUS1VZR0daWDNPSjNKWjdCTDZCQ0ZKQkVWNkpNQ1VNTU9WSUJETUtXU" \
    "EdZM0VIVU9QT1QifQ.Vw-StEqtTOTXAU2Lc79NGhoJ9HWz6-QREgYeJ8uHhC8AnSBNPA6VYn" \
    "aJDzZaf5JKGAWefxnaeoIh2YWoFQEHCw"
#define TEST_USER_JWT \
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJpYXQiOjE3MDAwMDAwMDAsI" \
    "mlzcyI6IkFEUTNHVEtVWUdHWlgzT0ozSlo3Qkw2QkNGSkJFVjZKTUNVTU1PVklCRE1LV1BHW" \
    "TNFSFVPUE9UIiwianRpIjoiUk5BVFNURVNUMTc5NTUwMzg3NDcyMjE1NzA5NVgzMTI3WDIiL" \
    "CJuYW1lIjoicm5hdHMtYy10ZXN0LXVzZXIiLCJuYXRzIjp7ImRhdGEiOi0xLCJwYXlsb2FkI" \
    "jotMSwicHViIjp7fSwic3ViIjp7fSwic3VicyI6LTEsInR5cGUiOiJ1c2VyIiwidmVyc2lvb" \
    "iI6Mn0sInN1YiI6IlVBSldFT0lNUzVHS00zRFdVU01FVVFXNzVRWlY0NVYzRDZMRURONEhSN" \
    "lNRUVdRTk1VTElOWFlaIn0.izEhpl3TbWDnrX5tz6h2_PsjbuKdijg1HiR2Pp-scBbxJA0FW" \
    "U0QUjolv2ErZm635j-cGu83_ON54XYr7cgiAw"
#define TEST_USER_SEED "SUAOR3Z4YVEY7FUZYZELTSNPFVDT3JZSNW64YTAHBCS5WTQFVQU2GZYIV4"

/* A server configuration trusting the operator, with the account
 * preloaded (a memory resolver). */
#define TEST_OPERATOR_SERVER_CONF                                          \
    "operator: \"" TEST_OPERATOR_JWT "\"\nresolver: MEMORY\n"               \
    "resolver_preload: {\n  " TEST_ACCOUNT_PUB ": \"" TEST_ACCOUNT_JWT "\"\n}\n"

#endif /* RNATS_TEST_KEYS_H_ */
