/*
 * obj-put-get: puts a file into an object store and gets it back.
 *
 * Creates the bucket EXAMPLE_FILES (file storage), puts FILE in it as the
 * object named after the file, shows the object's information (size,
 * chunks, digest), reads the object back into OUT (FILE.copy by default),
 * reads it once more chunk by chunk, lists the bucket and deletes it.
 * The library checks the object's SHA-256 digest on every read, so a
 * successful get means the copy is intact. Needs a JetStream server
 * (nats-server -js).
 *
 *   obj-put-get [-s URL[,URL...]] -f FILE [-o OUT] [-keep]
 */
#include "common.h"

#define BUCKET "EXAMPLE_FILES"

static void
usage(const char *prog)
{
    fprintf(stderr, "usage: %s [-s URL[,URL...]] -f FILE [-o OUT] [-keep]\n", prog);
}

int
main(int argc, char **argv)
{
    const char       *urls  = EX_DEFAULT_URL;
    const char       *file  = NULL;
    const char       *out   = NULL;
    int               keep  = 0;
    char              copy[4096];
    natsConnection   *nc    = NULL;
    jsCtx            *js    = NULL;
    objStore         *obs   = NULL;
    objStoreInfo     *info  = NULL;
    objStoreInfoList *list  = NULL;
    objStoreGet      *get   = NULL;
    objStoreConfig    cfg;
    natsStatus        s;
    int               i;

    for (i = 1; i < argc; i++)
    {
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            urls = argv[++i];
        else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
            file = argv[++i];
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "-keep") == 0)
            keep = 1;
        else
        {
            usage(argv[0]);
            return 2;
        }
    }
    if (file == NULL)
    {
        usage(argv[0]);
        return 2;
    }
    if (out == NULL)
    {
        snprintf(copy, sizeof(copy), "%s.copy", file);
        out = copy;
    }

    s = ex_connect(&nc, urls, "rnats-example-obj-put-get");
    if (s == NATS_OK)
        s = natsConnection_JetStream(&js, nc, NULL);
    if (s == NATS_OK)
        s = objStoreConfig_Init(&cfg);
    if (s == NATS_OK)
    {
        cfg.Bucket      = BUCKET;
        cfg.Description = "files put by the obj-put-get example";
        s = js_CreateObjectStore(&obs, js, &cfg);
        if (s != NATS_OK)
            ex_failed("js_CreateObjectStore", s);
    }

    /* Put: the file is read and sent chunk by chunk. */
    if (s == NATS_OK)
    {
        s = objStore_PutFile(&info, obs, file);
        if (s == NATS_OK)
        {
            printf("Put '%s': %" PRIu64 " bytes in %u chunk(s), digest %s\n",
                   info->Meta.Name, info->Size, (unsigned) info->Chunks, info->Digest);
            objStoreInfo_Destroy(info);
            info = NULL;
        }
        else
            ex_failed("objStore_PutFile", s);
    }

    /* Get into a file: written as the chunks arrive, digest checked. */
    if (s == NATS_OK)
    {
        s = objStore_GetFile(obs, file, out, NULL);
        if (s == NATS_OK)
            printf("Got '%s' back into %s (digest verified)\n", file, out);
        else
            ex_failed("objStore_GetFile", s);
    }

    /* Get chunk by chunk, counting the bytes. */
    if (s == NATS_OK)
        s = objStore_Get(&get, obs, file, NULL);
    if (s == NATS_OK)
    {
        int64_t total  = 0;
        int     chunks = 0;
        bool    done   = false;

        while (s == NATS_OK && !done)
        {
            void *data = NULL;
            int   len  = 0;

            s = objStoreGet_Read(&done, &data, &len, get, 10000);
            if (s == NATS_OK && !done)
            {
                total += len;
                chunks++;
            }
            free(data);
        }
        if (s == NATS_OK)
            printf("Read %" PRId64 " bytes in %d chunk(s)\n", total, chunks);
        else
            ex_failed("objStoreGet_Read", s);
        objStoreGet_Destroy(get);
    }

    if (s == NATS_OK)
    {
        s = objStore_List(&list, obs, NULL);
        if (s == NATS_OK)
        {
            for (i = 0; i < list->Count; i++)
                printf("Bucket %s holds '%s' (%" PRIu64 " bytes)\n", BUCKET, list->List[i]->Meta.Name,
                       list->List[i]->Size);
            objStoreInfoList_Destroy(list);
        }
        else
            ex_failed("objStore_List", s);
    }

    if (s == NATS_OK && !keep)
    {
        s = js_DeleteObjectStore(js, BUCKET);
        if (s == NATS_OK)
            printf("Bucket %s deleted\n", BUCKET);
        else
            ex_failed("js_DeleteObjectStore", s);
    }

    objStore_Destroy(obs);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return s == NATS_OK ? 0 : 1;
}
