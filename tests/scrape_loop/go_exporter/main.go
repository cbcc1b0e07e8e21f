// A tiny Go-client exporter for promlet's end-to-end native-histogram tests, served by promhttp
// on the 127.0.0.1 port given as the only argument:
//
//   - /metrics: one native histogram (bucket factor 1.1, i.e. schema 3) with fixed observations,
//     one classic histogram and one counter.
//   - /seq?who=NAME: a deterministic sequence, kept apart for each NAME, so that several scrapers
//     (promlet, Prometheus, the test itself) see the same histograms at their own scrape times.
//     The k-th request for NAME first observes batch k into NAME's native histogram
//     e2e_seq_seconds (schema 3) and sets the gauge e2e_seq_scrapes to k, then serves both.
//     Each batch has 100 observations: 50 up to 1 (one of them 0, one negative), 40 in (1, 2],
//     9 in (2, 4] and 1 above 4, the values moving from batch to batch; the buckets on either
//     side of 1, 2 and 4 are never empty. So after k batches the 0.5, 0.9 and 0.99 quantiles are
//     exactly 1, 2 and 4 (ranks on bucket boundaries, where linear and exponential interpolation
//     agree) and histogram_fraction(1, 2) is 0.4.
//
// Built offline in GOPATH mode against Debian's golang-github-prometheus-client-golang-dev.
package main

import (
	"log"
	"math"
	"net/http"
	"os"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type sequence struct {
	reg     *prometheus.Registry
	hist    prometheus.Histogram
	scrapes prometheus.Gauge
	k       int
}

// spread returns n values strictly inside (lo, hi), moving with the batch number k.
func spread(n, k int, lo, hi float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		f := math.Mod(float64(i)*0.6180339887+float64(k)*0.37, 1)
		out[i] = lo + (hi-lo)*(0.02+0.96*f)
	}
	return out
}

func batch(k int) []float64 {
	var v []float64
	v = append(v, 0, -0.5*float64(k), 0.99)
	v = append(v, spread(47, k, 0.05, 0.98)...)
	v = append(v, 1.01, 1.99)
	v = append(v, spread(38, k, 1.02, 1.98)...)
	v = append(v, 2.01, 3.99)
	v = append(v, spread(7, k, 2.02, 3.98)...)
	v = append(v, 4.01)
	return v
}

func main() {
	reg := prometheus.NewRegistry()
	native := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:                        "e2e_native_seconds",
		Help:                        "A native histogram with fixed observations.",
		NativeHistogramBucketFactor: 1.1,
	})
	classic := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "e2e_classic_seconds",
		Help:    "A classic histogram with fixed observations.",
		Buckets: []float64{0.1, 1, 10},
	})
	counter := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "e2e_requests_total",
		Help: "A counter.",
	})
	reg.MustRegister(native, classic, counter)
	for _, v := range []float64{0, 0.05, 0.5, 0.5, 1.5, 3, 42, -2} {
		native.Observe(v)
		classic.Observe(v)
	}
	counter.Add(7)
	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	var mu sync.Mutex
	seqs := map[string]*sequence{}
	http.HandleFunc("/seq", func(w http.ResponseWriter, r *http.Request) {
		who := r.URL.Query().Get("who")
		mu.Lock()
		defer mu.Unlock()
		s, ok := seqs[who]
		if !ok {
			s = &sequence{reg: prometheus.NewRegistry()}
			s.hist = prometheus.NewHistogram(prometheus.HistogramOpts{
				Name:                        "e2e_seq_seconds",
				Help:                        "A native histogram observing one batch per scrape.",
				NativeHistogramBucketFactor: 1.1,
			})
			s.scrapes = prometheus.NewGauge(prometheus.GaugeOpts{
				Name: "e2e_seq_scrapes",
				Help: "How many batches e2e_seq_seconds has observed.",
			})
			s.reg.MustRegister(s.hist, s.scrapes)
			seqs[who] = s
		}
		s.k++
		for _, v := range batch(s.k) {
			s.hist.Observe(v)
		}
		s.scrapes.Set(float64(s.k))
		promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Args[1], nil))
}
