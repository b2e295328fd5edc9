// pubsub: the C API used from C++17 through the RAII layer in natscpp.hpp.
//
//   usage: pubsub [URL]      (default: $NATS_URL, else NATS_DEFAULT_URL)
//
// Against the given server it
//   1. subscribes synchronously, publishes a few messages and reads them back;
//   2. publishes a message with headers and checks them on receipt;
//   3. runs a responder on an asynchronous subscription (a lambda) and
//      sends it requests.
// It prints what it does and exits 0 only if everything came back as sent.
#include "natscpp.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

using namespace std::chrono_literals;

namespace {

int failures = 0;

void expect(bool ok, const std::string &what)
{
    std::cout << (ok ? "ok   " : "FAIL ") << what << "\n";
    if (!ok)
        failures++;
}

std::string unique_subject(const char *base)
{
    natsInbox *inbox = nullptr;
    natscpp::check(natsInbox_Create(&inbox), "natsInbox_Create");
    std::string s = std::string(base) + "." + (inbox + 7); // drop "_INBOX."
    natsInbox_Destroy(inbox);
    return s;
}

void run(const std::string &url)
{
    natscpp::Options opts;
    opts.url(url).name("rnats-cpp-example").timeout(5s);
    natscpp::Connection nc = natscpp::Connection::connect(opts);
    expect(nc.status() == NATS_CONN_STATUS_CONNECTED, "connected to " + nc.connectedUrl());

    // 1. Synchronous subscription.
    {
        const std::string subject = unique_subject("cpp.sync");
        natscpp::Subscription sub = nc.subscribeSync(subject);
        const int count = 5;
        for (int i = 0; i < count; i++)
            nc.publish(subject, "message " + std::to_string(i));
        nc.flush(5s);
        int got = 0;
        for (int i = 0; i < count; i++) {
            auto m = sub.nextMsg(5s);
            if (m && m->subject() == subject && m->data() == "message " + std::to_string(i))
                got++;
        }
        expect(got == count, "sync subscription received " + std::to_string(got) + "/" + std::to_string(count));
        expect(!sub.nextMsg(50ms).has_value(), "no extra message (NextMsg timed out)");
        expect(sub.delivered() == static_cast<uint64_t>(count), "delivered counter");
    }

    // 2. Headers.
    {
        const std::string subject = unique_subject("cpp.headers");
        natscpp::Subscription sub = nc.subscribeSync(subject);
        natscpp::Msg out = natscpp::Msg::create(subject, "with headers");
        out.setHeader("X-Lang", "C++");
        out.addHeader("X-Tag", "a");
        out.addHeader("X-Tag", "b");
        nc.publishMsg(out);
        auto in = sub.nextMsg(5s);
        expect(in.has_value(), "header message received");
        if (in) {
            expect(in->data() == "with headers", "header message payload");
            expect(in->header("X-Lang") == std::optional<std::string>("C++"), "header X-Lang");
            auto tags = in->headerValues("X-Tag");
            expect(tags.size() == 2 && tags[0] == "a" && tags[1] == "b", "header X-Tag has two values");
            expect(!in->header("X-Missing").has_value(), "absent header is reported absent");
        }
    }

    // 3. Request/reply with an asynchronous responder.
    {
        const std::string service = unique_subject("cpp.service");
        natscpp::Connection *conn = &nc;
        natscpp::Subscription responder = nc.subscribe(service, [conn](natscpp::Msg m) {
            if (!m.reply().empty())
                conn->publish(std::string(m.reply()), "echo: " + std::string(m.data()));
        });
        nc.flush(5s);
        int answered = 0;
        for (int i = 0; i < 3; i++) {
            std::string q = "question " + std::to_string(i);
            natscpp::Msg r = nc.request(service, q, 5s);
            if (r.data() == "echo: " + q)
                answered++;
        }
        expect(answered == 3, "requests answered " + std::to_string(answered) + "/3");
    }

    // 4. Errors surface as exceptions carrying the status.
    try {
        nc.publish("", "x");
        expect(false, "empty subject rejected");
    } catch (const natscpp::Error &e) {
        expect(e.status() == NATS_INVALID_SUBJECT, std::string("empty subject rejected: ") + e.what());
    }

    nc.close();
    expect(nc.closed(), "closed");
    try {
        nc.publish("cpp.after.close", "x");
        expect(false, "publish after close fails");
    } catch (const natscpp::Error &e) {
        expect(e.status() == NATS_CONNECTION_CLOSED, "publish after close fails with NATS_CONNECTION_CLOSED");
    }
}

} // namespace

int main(int argc, char **argv)
{
    const char *env = std::getenv("NATS_URL");
    std::string url = argc > 1 ? argv[1] : (env != nullptr && *env != '\0') ? env : NATS_DEFAULT_URL;
    try {
        natscpp::Library lib;
        run(url);
    } catch (const natscpp::Error &e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    std::cout << (failures == 0 ? "pubsub: all checks passed" : "pubsub: FAILED") << "\n";
    return failures == 0 ? 0 : 1;
}
