// natscpp.hpp: a small C++17 RAII layer over the cnats C API (nats.h),
// written for the rnats examples. Header-only, no dependencies beyond the
// C library and the standard library.
//
// What it shows a C++ user of the C API:
//   * every handle the library gives out is owned by exactly one C++
//     object (std::unique_ptr with the matching *_Destroy as deleter);
//   * a natsStatus other than NATS_OK becomes natscpp::Error, carrying the
//     status and the library's last-error text for this thread;
//   * an asynchronous handler's state is freed by the library's
//     "subscription complete" callback, i.e. only once the library has
//     promised never to call the handler again.
//
// It is an example, not a complete binding: only what the examples use.
#ifndef NATSCPP_HPP_
#define NATSCPP_HPP_

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace natscpp {

// A failed call: the status and a readable description.
class Error : public std::runtime_error {
public:
    Error(natsStatus s, const std::string &what) : std::runtime_error(what), status_(s) {}
    natsStatus status() const noexcept { return status_; }

private:
    natsStatus status_;
};

// Throws Error unless s is NATS_OK. The text is the thread's last error
// (more precise than the status text) when the library recorded one.
inline void check(natsStatus s, const char *call)
{
    if (s == NATS_OK)
        return;
    natsStatus last = NATS_OK;
    const char *text = nats_GetLastError(&last);
    std::string msg = std::string(call) + ": " + natsStatus_GetText(s);
    if (text != nullptr && *text != '\0' && last == s)
        msg += " (" + std::string(text) + ")";
    throw Error(s, msg);
}

namespace detail {
template <typename T, void (*Destroy)(T *)>
struct Deleter {
    void operator()(T *p) const noexcept { Destroy(p); }
};
template <typename T, void (*Destroy)(T *)>
using Handle = std::unique_ptr<T, Deleter<T, Destroy>>;

inline int64_t millis(std::chrono::milliseconds d) { return static_cast<int64_t>(d.count()); }
} // namespace detail

// A received (or built) message. Owns its natsMsg.
class Msg {
public:
    explicit Msg(natsMsg *m) : m_(m) {}

    // A message to publish with PublishMsg (e.g. to carry headers).
    static Msg create(const std::string &subject, std::string_view data, const char *reply = nullptr)
    {
        natsMsg *m = nullptr;
        check(natsMsg_Create(&m, subject.c_str(), reply, data.data(), static_cast<int>(data.size())),
              "natsMsg_Create");
        return Msg(m);
    }

    std::string_view subject() const { return natsMsg_GetSubject(m_.get()); }
    // Empty when the message has no reply subject.
    std::string_view reply() const
    {
        const char *r = natsMsg_GetReply(m_.get());
        return r != nullptr ? std::string_view(r) : std::string_view();
    }
    std::string_view data() const
    {
        const char *d = natsMsg_GetData(m_.get());
        return std::string_view(d, static_cast<size_t>(natsMsg_GetDataLength(m_.get())));
    }

    void setHeader(const std::string &key, const std::string &value)
    {
        check(natsMsgHeader_Set(m_.get(), key.c_str(), value.c_str()), "natsMsgHeader_Set");
    }
    void addHeader(const std::string &key, const std::string &value)
    {
        check(natsMsgHeader_Add(m_.get(), key.c_str(), value.c_str()), "natsMsgHeader_Add");
    }
    // The first value of a header, or nothing when the key is absent.
    std::optional<std::string> header(const std::string &key) const
    {
        const char *v = nullptr;
        natsStatus s = natsMsgHeader_Get(m_.get(), key.c_str(), &v);
        if (s == NATS_NOT_FOUND)
            return std::nullopt;
        check(s, "natsMsgHeader_Get");
        return std::string(v);
    }
    // All values of a header (the array is the library's to allocate and
    // ours to free; the strings stay owned by the message).
    std::vector<std::string> headerValues(const std::string &key) const
    {
        const char **vals = nullptr;
        int n = 0;
        natsStatus s = natsMsgHeader_Values(m_.get(), key.c_str(), &vals, &n);
        if (s == NATS_NOT_FOUND)
            return {};
        check(s, "natsMsgHeader_Values");
        std::vector<std::string> out(vals, vals + n);
        free(static_cast<void *>(vals));
        return out;
    }

    natsMsg *get() const noexcept { return m_.get(); }

private:
    detail::Handle<natsMsg, natsMsg_Destroy> m_;
};

class Options {
public:
    Options()
    {
        natsOptions *o = nullptr;
        check(natsOptions_Create(&o), "natsOptions_Create");
        o_.reset(o);
    }
    Options &url(const std::string &u)
    {
        check(natsOptions_SetURL(o_.get(), u.c_str()), "natsOptions_SetURL");
        return *this;
    }
    Options &name(const std::string &n)
    {
        check(natsOptions_SetName(o_.get(), n.c_str()), "natsOptions_SetName");
        return *this;
    }
    Options &timeout(std::chrono::milliseconds t)
    {
        check(natsOptions_SetTimeout(o_.get(), detail::millis(t)), "natsOptions_SetTimeout");
        return *this;
    }
    natsOptions *get() const noexcept { return o_.get(); }

private:
    detail::Handle<natsOptions, natsOptions_Destroy> o_;
};

using Handler = std::function<void(Msg)>;

// A subscription. Destroying it unsubscribes (if still valid) and frees
// the subscription object; for an asynchronous one the handler is freed
// later, when the library reports the subscription complete.
class Subscription {
public:
    explicit Subscription(natsSubscription *s) : s_(s) {}
    Subscription(Subscription &&) noexcept = default;
    Subscription &operator=(Subscription &&) noexcept = default;
    ~Subscription()
    {
        if (s_ && natsSubscription_IsValid(s_.get()))
            natsSubscription_Unsubscribe(s_.get());
    }

    // The next message of a synchronous subscription, or nothing if none
    // arrived within `timeout`. Other failures throw.
    std::optional<Msg> nextMsg(std::chrono::milliseconds timeout)
    {
        natsMsg *m = nullptr;
        natsStatus s = natsSubscription_NextMsg(&m, s_.get(), detail::millis(timeout));
        if (s == NATS_TIMEOUT)
            return std::nullopt;
        check(s, "natsSubscription_NextMsg");
        return Msg(m);
    }

    void unsubscribe() { check(natsSubscription_Unsubscribe(s_.get()), "natsSubscription_Unsubscribe"); }
    // Stops delivery after `max` messages in total.
    void autoUnsubscribe(int max)
    {
        check(natsSubscription_AutoUnsubscribe(s_.get(), max), "natsSubscription_AutoUnsubscribe");
    }
    uint64_t delivered() const
    {
        int64_t n = 0;
        check(natsSubscription_GetDelivered(s_.get(), &n), "natsSubscription_GetDelivered");
        return static_cast<uint64_t>(n);
    }
    natsSubscription *get() const noexcept { return s_.get(); }

private:
    detail::Handle<natsSubscription, natsSubscription_Destroy> s_;
};

class Connection {
public:
    static Connection connect(const Options &opts)
    {
        natsConnection *nc = nullptr;
        check(natsConnection_Connect(&nc, opts.get()), "natsConnection_Connect");
        return Connection(nc);
    }
    static Connection connect(const std::string &url)
    {
        Options o;
        o.url(url);
        return connect(o);
    }

    void publish(const std::string &subject, std::string_view data)
    {
        check(natsConnection_Publish(c_.get(), subject.c_str(), data.data(), static_cast<int>(data.size())),
              "natsConnection_Publish");
    }
    void publishRequest(const std::string &subject, const std::string &reply, std::string_view data)
    {
        check(natsConnection_PublishRequest(c_.get(), subject.c_str(), reply.c_str(), data.data(),
                                            static_cast<int>(data.size())),
              "natsConnection_PublishRequest");
    }
    // Publishes a message built with Msg::create (the message stays ours).
    void publishMsg(const Msg &m) { check(natsConnection_PublishMsg(c_.get(), m.get()), "natsConnection_PublishMsg"); }

    Msg request(const std::string &subject, std::string_view data, std::chrono::milliseconds timeout)
    {
        natsMsg *reply = nullptr;
        check(natsConnection_Request(&reply, c_.get(), subject.c_str(), data.data(), static_cast<int>(data.size()),
                                     detail::millis(timeout)),
              "natsConnection_Request");
        return Msg(reply);
    }

    Subscription subscribeSync(const std::string &subject)
    {
        natsSubscription *s = nullptr;
        check(natsConnection_SubscribeSync(&s, c_.get(), subject.c_str()), "natsConnection_SubscribeSync");
        return Subscription(s);
    }

    // Calls `handler` on the library's delivery thread for each message.
    // Exceptions must not leave the handler (they are caught and dropped).
    Subscription subscribe(const std::string &subject, Handler handler)
    {
        auto *state = new Handler(std::move(handler));
        natsSubscription *s = nullptr;
        natsStatus st = natsConnection_Subscribe(&s, c_.get(), subject.c_str(), &Connection::onMsg, state);
        if (st != NATS_OK) {
            delete state;
            check(st, "natsConnection_Subscribe");
        }
        st = natsSubscription_SetOnCompleteCB(s, &Connection::onComplete, state);
        if (st != NATS_OK) {
            // Cannot hand the state to the library: stop delivery first.
            natsSubscription_Unsubscribe(s);
            natsSubscription_Destroy(s);
            check(st, "natsSubscription_SetOnCompleteCB");
        }
        return Subscription(s);
    }

    void flush(std::chrono::milliseconds timeout)
    {
        check(natsConnection_FlushTimeout(c_.get(), detail::millis(timeout)), "natsConnection_FlushTimeout");
    }
    bool closed() const { return natsConnection_IsClosed(c_.get()); }
    natsConnStatus status() const { return natsConnection_Status(c_.get()); }
    std::string connectedUrl() const
    {
        char buf[256];
        check(natsConnection_GetConnectedUrl(c_.get(), buf, sizeof(buf)), "natsConnection_GetConnectedUrl");
        return buf;
    }
    // Closes now; the destructor would otherwise do it.
    void close() { natsConnection_Close(c_.get()); }
    natsConnection *get() const noexcept { return c_.get(); }

private:
    explicit Connection(natsConnection *nc) : c_(nc) {}

    static void onMsg(natsConnection *, natsSubscription *, natsMsg *m, void *closure)
    {
        Msg msg(m); // the callback owns the message
        try {
            (*static_cast<Handler *>(closure))(std::move(msg));
        } catch (...) {
        }
    }
    static void onComplete(void *closure) { delete static_cast<Handler *>(closure); }

    detail::Handle<natsConnection, natsConnection_Destroy> c_;
};

// Library lifetime: nats_Open on construction, nats_CloseAndWait on exit
// (after every connection and subscription has been destroyed).
class Library {
public:
    Library() { check(nats_Open(-1), "nats_Open"); }
    ~Library() { nats_CloseAndWait(0); }
    Library(const Library &) = delete;
    Library &operator=(const Library &) = delete;
};

} // namespace natscpp

#endif // NATSCPP_HPP_
