#include "storage/remote/read_handler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "storage/remote/codec.h"
#include "storage/remote/histogram_proto.h"
#include "storage/remote/proto/remote.pb.h"
#include "tsdb/chunkenc/float_histogram_chunk.h"
#include "tsdb/chunkenc/histogram_chunk.h"
#include "tsdb/chunkenc/xor.h"

namespace promlet::remote {
namespace {

constexpr int kSamplesPerChunk = 120;  // Prometheus' target chunk size

ReadHttpResponse Error(int status, std::string msg) {
  ReadHttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(msg) + "\n";
  return r;
}

// The query's matchers; an equality matcher on an external label with its value becomes
// `name=""` (stored series do not carry external labels), as Prometheus'
// filterExtLabelsFromMatchers does.
absl::StatusOr<std::vector<model::Matcher>> Matchers(const prometheus::Query& q,
                                                     const model::Labels& external_labels) {
  std::vector<model::Matcher> out;
  for (const auto& m : q.matchers()) {
    model::MatchType t;
    switch (m.type()) {
      case prometheus::LabelMatcher::EQ:
        t = model::MatchType::kEqual;
        break;
      case prometheus::LabelMatcher::NEQ:
        t = model::MatchType::kNotEqual;
        break;
      case prometheus::LabelMatcher::RE:
        t = model::MatchType::kRegexMatch;
        break;
      case prometheus::LabelMatcher::NRE:
        t = model::MatchType::kRegexNoMatch;
        break;
      default:
        return absl::InvalidArgumentError(absl::StrCat("invalid matcher type ", m.type()));
    }
    const bool external = t == model::MatchType::kEqual && !m.value().empty() &&
                          external_labels.Get(m.name()) == m.value();
    auto mm = model::Matcher::Make(t, m.name(), external ? std::string() : m.value());
    if (!mm.ok()) return mm.status();
    out.push_back(*std::move(mm));
  }
  return out;
}

storage::SelectHints Hints(const prometheus::Query& q) {
  storage::SelectHints h;
  h.start = q.start_timestamp_ms();
  h.end = q.end_timestamp_ms();
  if (q.has_hints()) {
    const auto& x = q.hints();
    h.start = x.start_ms();
    h.end = x.end_ms();
    h.step = x.step_ms();
    h.func = x.func();
    h.by = x.by();
    h.range = x.range_ms();
    h.grouping.assign(x.grouping().begin(), x.grouping().end());
  }
  return h;
}

// The series' labels plus the external labels it does not carry (its own win), sorted.
void SetLabels(const model::Labels& labels, const model::Labels& external_labels,
               google::protobuf::RepeatedPtrField<prometheus::Label>* out) {
  if (!external_labels.empty()) {
    model::LabelsBuilder b(labels);
    for (const auto& l : external_labels) {
      if (b.Get(l.name).empty()) b.Set(l.name, l.value);
    }
    return SetLabels(b.Build(), model::Labels(), out);
  }
  for (const auto& l : labels) {
    auto* pl = out->Add();
    pl->set_name(l.name);
    pl->set_value(l.value);
  }
}

}  // namespace

ReadHandler::ReadHandler(storage::Queryable* storage, ReadHandlerOptions options)
    : storage_(storage), options_(options) {}

ReadHttpResponse ReadHandler::Serve(std::string_view body) {
  auto raw = SnappyUncompress(body, options_.max_decoded_bytes);
  if (!raw.ok()) return Error(400, std::string(raw.status().message()));
  prometheus::ReadRequest req;
  if (!req.ParseFromArray(raw->data(), static_cast<int>(raw->size()))) {
    return Error(400, "remote read: cannot parse the ReadRequest protobuf");
  }
  // The first accepted type promlet supports (both are); none listed means SAMPLES.
  bool streamed = false;
  if (req.accepted_response_types_size() > 0) {
    bool found = false;
    for (int t : req.accepted_response_types()) {
      if (t == prometheus::ReadRequest::SAMPLES ||
          t == prometheus::ReadRequest::STREAMED_XOR_CHUNKS) {
        streamed = t == prometheus::ReadRequest::STREAMED_XOR_CHUNKS;
        found = true;
        break;
      }
    }
    if (!found) {
      return Error(400,
                   "server does not support any of the requested response types; "
                   "supported: SAMPLES, STREAMED_XOR_CHUNKS");
    }
  }
  // Concurrency gate.
  {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(
        l, [&] { return options_.concurrent_limit <= 0 || running_ < options_.concurrent_limit; });
    ++running_;
  }
  struct Release {
    ReadHandler* h;
    ~Release() {
      std::lock_guard<std::mutex> l(h->mu_);
      --h->running_;
      h->cv_.notify_one();
    }
  } release{this};

  const model::Labels external_labels =
      options_.external_labels ? options_.external_labels() : model::Labels();
  ReadHttpResponse out;
  prometheus::ReadResponse samples_resp;
  int64_t total_samples = 0;
  for (int qi = 0; qi < req.queries_size(); ++qi) {
    const auto& q = req.queries(qi);
    auto matchers = Matchers(q, external_labels);
    if (!matchers.ok()) return Error(400, std::string(matchers.status().message()));
    auto querier = storage_->NewQuerier(q.start_timestamp_ms(), q.end_timestamp_ms());
    if (!querier.ok()) return Error(500, std::string(querier.status().message()));
    const storage::SelectHints hints = Hints(q);
    auto set = (*querier)->Select(*matchers, &hints);
    if (!streamed) {
      auto* result = samples_resp.add_results();
      while (set->Next()) {
        const storage::Series& s = set->At();
        auto* ts = result->add_timeseries();
        SetLabels(s.labels(), external_labels, ts->mutable_labels());
        auto it = s.Iterator();
        while (it->Next()) {
          if (options_.sample_limit > 0 && ++total_samples > options_.sample_limit) {
            return Error(400, absl::StrCat("exceeded sample limit (", options_.sample_limit, ")"));
          }
          const storage::ValueType type = it->Type();
          if (type == storage::ValueType::kHistogram ||
              type == storage::ValueType::kFloatHistogram) {
            // prompb.Histogram, integer or float as stored (Prometheus' FromIntHistogram /
            // FromFloatHistogram).
            HistogramSample h;
            h.t = it->T();
            h.is_float = type == storage::ValueType::kFloatHistogram;
            if (h.is_float) {
              it->AtFloatHistogram(&h.fh);
            } else {
              it->AtHistogram(&h.h);
            }
            histogram_proto::HistogramToProto(h, ts->add_histograms());
            continue;
          }
          auto* x = ts->add_samples();
          x->set_timestamp(it->T());
          x->set_value(it->V());
        }
        if (!it->status().ok()) return Error(500, std::string(it->status().message()));
      }
      if (!set->status().ok()) return Error(500, std::string(set->status().message()));
      continue;
    }
    prometheus::ChunkedReadResponse frame;
    frame.set_query_index(qi);
    size_t frame_bytes = 0;
    auto flush = [&] {
      if (frame.chunked_series_size() == 0) return;
      AppendChunkedFrame(frame.SerializeAsString(), &out.body);
      frame.clear_chunked_series();
      frame_bytes = 0;
    };
    while (set->Next()) {
      const storage::Series& s = set->At();
      auto* cs = frame.add_chunked_series();
      SetLabels(s.labels(), external_labels, cs->mutable_labels());
      auto it = s.Iterator();
      tsdb::chunkenc::XorEncoder enc;
      auto finish = [&] {
        if (enc.empty()) return;
        auto* c = cs->add_chunks();
        c->set_min_time_ms(enc.min_time());
        c->set_max_time_ms(enc.last_time());
        c->set_type(prometheus::Chunk::XOR);
        std::string bytes = enc.Finish();
        frame_bytes += bytes.size();
        c->set_data(std::move(bytes));
      };
      // Histogram samples go into Prometheus' histogram chunks (HISTOGRAM, FLOAT_HISTOGRAM),
      // cut where the appender cuts (layout changes it cannot recode, counter resets, a full
      // chunk) and where the sample type changes.
      std::unique_ptr<tsdb::chunkenc::HistogramAppender> happ;
      std::unique_ptr<tsdb::chunkenc::FloatHistogramAppender> fapp;
      int64_t hmin = 0, hmax = 0;
      auto finish_histogram = [&] {
        std::string_view bytes;
        prometheus::Chunk::Encoding type = prometheus::Chunk::HISTOGRAM;
        if (happ != nullptr) {
          bytes = happ->bytes();
        } else if (fapp != nullptr) {
          bytes = fapp->bytes();
          type = prometheus::Chunk::FLOAT_HISTOGRAM;
        } else {
          return;
        }
        auto* c = cs->add_chunks();
        c->set_min_time_ms(hmin);
        c->set_max_time_ms(hmax);
        c->set_type(type);
        frame_bytes += bytes.size();
        c->set_data(std::string(bytes));
        happ.reset();
        fapp.reset();
      };
      model::histogram::Histogram h;
      model::histogram::FloatHistogram fh;
      while (it->Next()) {
        const storage::ValueType type = it->Type();
        const int64_t t = it->T();
        if (type == storage::ValueType::kHistogram) {
          finish();
          if (fapp != nullptr) finish_histogram();
          it->AtHistogram(&h);
          if (happ == nullptr) {
            happ = std::make_unique<tsdb::chunkenc::HistogramAppender>();
            hmin = t;
          }
          auto r = happ->AppendHistogram(nullptr, t, h, false);
          if (!r.ok() && absl::IsResourceExhausted(r.status())) {
            finish_histogram();
            happ = std::make_unique<tsdb::chunkenc::HistogramAppender>();
            hmin = t;
            r = happ->AppendHistogram(nullptr, t, h, false);
          }
          if (!r.ok()) return Error(500, std::string(r.status().message()));
          if (r->new_chunk != nullptr) {
            if (!r->recoded) {
              finish_histogram();
              hmin = t;
            }
            happ = std::move(r->new_chunk);
          }
          hmax = t;
          continue;
        }
        if (type == storage::ValueType::kFloatHistogram) {
          finish();
          if (happ != nullptr) finish_histogram();
          it->AtFloatHistogram(&fh);
          if (fapp == nullptr) {
            fapp = std::make_unique<tsdb::chunkenc::FloatHistogramAppender>();
            hmin = t;
          }
          auto r = fapp->AppendFloatHistogram(nullptr, t, fh, false);
          if (!r.ok() && absl::IsResourceExhausted(r.status())) {
            finish_histogram();
            fapp = std::make_unique<tsdb::chunkenc::FloatHistogramAppender>();
            hmin = t;
            r = fapp->AppendFloatHistogram(nullptr, t, fh, false);
          }
          if (!r.ok()) return Error(500, std::string(r.status().message()));
          if (r->new_chunk != nullptr) {
            if (!r->recoded) {
              finish_histogram();
              hmin = t;
            }
            fapp = std::move(r->new_chunk);
          }
          hmax = t;
          continue;
        }
        finish_histogram();
        if (enc.num_samples() >= kSamplesPerChunk) finish();
        enc.Append(t, it->V());
      }
      finish();
      finish_histogram();
      if (!it->status().ok()) return Error(500, std::string(it->status().message()));
      if (cs->chunks_size() == 0) frame.mutable_chunked_series()->RemoveLast();
      if (frame_bytes >= options_.max_bytes_in_frame) flush();
    }
    if (!set->status().ok()) return Error(500, std::string(set->status().message()));
    flush();
  }
  if (streamed) {
    out.content_type = "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";
    return out;
  }
  out.content_type = "application/x-protobuf";
  out.headers.emplace_back("Content-Encoding", "snappy");
  out.body = SnappyCompress(samples_resp.SerializeAsString());
  return out;
}

}  // namespace promlet::remote
