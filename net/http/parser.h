// RequestParser: the HTTP/1.1 request-head and body parser of HttpServer (a Beast
// basic_parser), and the check that tells plain HTTP from TLS on an HTTPS port.
//
// Invariants:
//  - Never throws on input: a field name, value or request target longer than Beast's fields
//    container can hold (kMaxFieldBytes) is refused with http::error::header_limit (the server
//    answers 431) where Beast's own request_parser throws std::length_error.
//  - Otherwise stores the message exactly as http::request_parser<string_body> does; the
//    header and body limits, and the refusal of HTTP versions other than 1.0 and 1.1
//    (bad_version, so 400), are basic_parser's.
// It pulls in Beast: include it only from http_server.cc and tests of the parser.
#ifndef PROMLET_NET_HTTP_PARSER_H_
#define PROMLET_NET_HTTP_PARSER_H_

#include <algorithm>
#include <cstdint>
#include <string_view>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace promlet::net {

// Go's net/http answers a plain HTTP request on a TLS port with this, when the first five bytes
// look like one (tlsRecordHeaderLooksLikeHTTP).
inline constexpr std::string_view kHttpOnHttpsAnswer =
    "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";

inline bool LooksLikeHttp(std::string_view first5) {
  for (std::string_view start : {"GET /", "HEAD ", "POST ", "PUT /", "OPTIO"}) {
    if (first5 == start) return true;
  }
  return false;
}

// Parses a request into an http::request<string_body> like Beast's request_parser, but refuses
// (header_limit, so 431) a field name, value or target longer than Beast's fields container
// can hold instead of letting the container throw std::length_error.
class RequestParser : public boost::beast::http::basic_parser<true> {
 public:
  using Message = boost::beast::http::request<boost::beast::http::string_body>;
  // Beast stores field offsets as uint16 (name + ": " and value + "\r\n" must fit).
  static constexpr size_t kMaxFieldBytes = 65533;

  Message& get() { return msg_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;
  using error = boost::beast::http::error;

  void on_request_impl(boost::beast::http::verb method, string_view method_str,
                       string_view target, int version, error_code& ec) override {
    if (target.size() > kMaxFieldBytes) {
      ec = error::header_limit;
      return;
    }
    msg_.target(target);
    if (method != boost::beast::http::verb::unknown) {
      msg_.method(method);
    } else {
      msg_.method_string(method_str);
    }
    msg_.version(version);
  }
  void on_response_impl(int, string_view, int, error_code& ec) override {
    ec = error::bad_version;  // unreachable for a request parser
  }
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override {
    if (name_string.size() > kMaxFieldBytes || value.size() > kMaxFieldBytes) {
      ec = error::header_limit;
      return;
    }
    msg_.insert(name, name_string, value);
  }
  void on_header_impl(error_code& ec) override { ec = {}; }
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override {
    ec = {};
    // basic_parser already refused a length over body_limit; reserve no more than a little up
    // front, so a client announcing a large body and sending nothing holds no memory.
    if (content_length) msg_.body().reserve(std::min<std::uint64_t>(*content_length, 64 << 10));
  }
  size_t on_body_impl(string_view body, error_code& ec) override {
    ec = {};
    msg_.body().append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code& ec) override { ec = {}; }
  size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override {
    ec = {};
    msg_.body().append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code& ec) override { ec = {}; }

  Message msg_;
};

}  // namespace promlet::net

#endif  // PROMLET_NET_HTTP_PARSER_H_
