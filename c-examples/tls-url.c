/*
 * Connects over TLS because the URL says so: a tls:// URL turns TLS on
 * (no natsOptions_SetSecure call is needed) and the connection fails with
 * NATS_SECURE_CONNECTION_WANTED if the server does not offer TLS.
 *
 *   tls-url [url] [rootCA.pem]
 *
 * Defaults: tls://localhost:4443 and the system's trusted CAs. Pass the CA
 * file of a private CA, e.g. with the files of
 * `cargo run --example gen_test_certs -- certs`:
 *
 *   nats-server -p 4443 --tls --tlscert certs/server-cert.pem \
 *       --tlskey certs/server-key.pem
 *   tls-url tls://localhost:4443 certs/rootCA.pem
 *
 * The host of the URL is the name the server certificate must carry (use
 * natsOptions_SetExpectedHostname to check another name).
 */
#include <stdio.h>

#include <nats/nats.h>

int main(int argc, char **argv)
{
    const char *url = argc > 1 ? argv[1] : "tls://localhost:4443";
    const char *ca = argc > 2 ? argv[2] : NULL;
    natsConnection *nc = NULL;
    natsOptions *opts = NULL;
    natsStatus s;

    s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK && ca != NULL)
        s = natsOptions_LoadCATrustedCertificates(opts, ca);
    if (s == NATS_OK)
        s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK)
        s = natsConnection_PublishString(nc, "tls.hello", "hello");
    if (s == NATS_OK)
        s = natsConnection_Flush(nc);

    if (s == NATS_OK)
        printf("connected to %s over TLS\n", url);
    else
        fprintf(stderr, "error: %s (%s)\n", natsStatus_GetText(s), nats_GetLastError(NULL));

    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    return s == NATS_OK ? 0 : 1;
}
