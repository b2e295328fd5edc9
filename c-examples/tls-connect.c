/*
 * Connects to a NATS server over TLS and proves the client's identity with
 * a certificate: the shape of the NATS documentation's "Encrypting
 * Connections with TLS" example.
 *
 *   tls-connect [url] [client-cert.pem] [client-key.pem] [rootCA.pem]
 *
 * Defaults: nats://localhost:4222 client-cert.pem client-key.pem rootCA.pem
 *
 * Try it with a server that requires client certificates:
 *
 *   cargo run --example gen_test_certs -- certs     (makes the files below)
 *   nats-server --tlsverify --tlscert certs/server-cert.pem \
 *       --tlskey certs/server-key.pem --tlscacert certs/rootCA.pem
 *   tls-connect nats://localhost:4222 certs/client-cert.pem \
 *       certs/client-key.pem certs/rootCA.pem
 *
 * A nats:// URL is enough: the server's INFO says TLS is required and the
 * connection is upgraded before anything else is sent.
 */
#include <stdio.h>

#include <nats/nats.h>

int main(int argc, char **argv)
{
    const char *url = argc > 1 ? argv[1] : NATS_DEFAULT_URL;
    const char *cert = argc > 2 ? argv[2] : "client-cert.pem";
    const char *key = argc > 3 ? argv[3] : "client-key.pem";
    const char *ca = argc > 4 ? argv[4] : "rootCA.pem";
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    natsStatus s;

    s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url);
    /* Our certificate and its key (the server checks them)... */
    if (s == NATS_OK)
        s = natsOptions_LoadCertificatesChain(opts, cert, key);
    /* ...and the CA that must have issued the server's certificate. */
    if (s == NATS_OK)
        s = natsOptions_LoadCATrustedCertificates(opts, ca);
    if (s == NATS_OK)
        s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK)
        s = natsConnection_PublishString(nc, "tls.hello", "hello over TLS");
    if (s == NATS_OK)
        s = natsConnection_Flush(nc);

    if (s == NATS_OK) {
        char server[256] = "";
        natsConnection_GetConnectedUrl(nc, server, sizeof(server));
        printf("connected to %s over TLS and published a message\n", server);
    } else {
        fprintf(stderr, "error: %s (%s)\n", natsStatus_GetText(s), nats_GetLastError(NULL));
    }

    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    return s == NATS_OK ? 0 : 1;
}
