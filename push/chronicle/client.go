// Package chronicle pushes generated YARA-L 2.0 rules into Google SecOps
// (Chronicle) through the Chronicle API (v1 / v1alpha).
//
// The flow is plan, then apply:
//
//   - Plan verifies every rule text with
//     POST {base}/{instance}:verifyRuleText, lists the rules that already
//     exist (GET {base}/{instance}/rules?pageSize=1000&view=FULL, following
//     nextPageToken) and matches them by displayName, which Chronicle takes
//     from the "rule NAME {" header of the text. Each input rule gets an
//     Action: Create, Update, Unchanged or Invalid. Plan changes nothing.
//   - Apply runs Plan and, only if every rule verified, creates the missing
//     rules (POST /rules), adds a revision to the changed ones
//     (PATCH /rules/{id}?updateMask=text) and leaves unchanged ones alone, so
//     re-pushing the same rules creates no revision. With enable it also turns
//     on the live deployment and alerting of every pushed rule.
//
// Every request carries the OAuth2 bearer token. Rate limiting (429) and
// server errors (5xx) are retried with exponential backoff (1s, 2s, 4s, ...,
// or the server's Retry-After); other 4xx are not. Failures come back as
// *APIError, which decodes the Google error envelope. The token never appears
// in any error this package returns: the client replaces it, as a whole word
// and URL-encoded (push.Redact), with "[REDACTED]" even in messages the
// server echoes back.
//
// Package chronicletest provides an in-process fake of the endpoints used
// here, for tests.
package chronicle

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/detgen/detgen/internal/plural"
	"github.com/detgen/detgen/push"
)

// DefaultMaxRetries is the number of retries after the first attempt when
// Config.MaxRetries is zero.
const DefaultMaxRetries = 3

const (
	defaultUserAgent = "detgen-chronicle-push"
	defaultTimeout   = 2 * time.Minute
	maxResponseBytes = 64 << 20
	maxBackoff       = 60 * time.Second
	maxRetryAfter    = 5 * time.Minute
	listPageSize     = 1000
	maxListPages     = 10000
	redacted         = "[REDACTED]"
)

// Config configures a Client.
type Config struct {
	// BaseURL is the API root including the version, e.g.
	// https://us-chronicle.googleapis.com/v1alpha. It must be https; plain
	// http is accepted only for loopback hosts (127.0.0.1, ::1, localhost),
	// for tests.
	BaseURL string
	// Instance is projects/{project}/locations/{location}/instances/{instance}.
	Instance string
	// Token is the OAuth2 access token sent as "Authorization: Bearer".
	// It is never logged and never part of an error message.
	Token string
	// HTTPClient sends the requests; nil means a client with a 2 minute
	// timeout.
	HTTPClient *http.Client
	// MaxRetries is how many times a request is retried after a 429, a 5xx
	// or a transport error. Zero means DefaultMaxRetries; negative means no
	// retry.
	MaxRetries int
	// Sleep waits between retries; nil means time.Sleep (interrupted when
	// the context is done). Tests inject a recorder.
	Sleep func(time.Duration)
	// UserAgent is sent as User-Agent; empty means "detgen-chronicle-push".
	UserAgent string
}

// Client talks to one Chronicle instance. It is safe for concurrent use.
type Client struct {
	base       string
	instance   string
	token      string
	hc         *http.Client
	maxRetries int
	sleep      func(context.Context, time.Duration) error
	userAgent  string
}

var (
	instanceRE = regexp.MustCompile(`^projects/[A-Za-z0-9._~-]+/locations/[A-Za-z0-9._~-]+/instances/[A-Za-z0-9._~-]+$`)
	resourceID = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)
)

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	base, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if !instanceRE.MatchString(cfg.Instance) {
		return nil, configErr("Instance", fmt.Sprintf("%q is not of the form projects/PROJECT/locations/LOCATION/instances/INSTANCE", cfg.Instance))
	}
	if cfg.Token == "" {
		return nil, configErr("Token", "is empty (an OAuth2 access token is required)")
	}
	for _, r := range cfg.Token {
		if r <= ' ' || r == 0x7f {
			// Do not echo any part of the token.
			return nil, configErr("Token", "contains whitespace or control characters (pass the bare access token, without \"Bearer \")")
		}
	}
	c := &Client{
		base:       base,
		instance:   cfg.Instance,
		token:      cfg.Token,
		hc:         cfg.HTTPClient,
		maxRetries: cfg.MaxRetries,
		userAgent:  cfg.UserAgent,
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: defaultTimeout}
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	}
	if cfg.Sleep != nil {
		sleep := cfg.Sleep
		c.sleep = func(ctx context.Context, d time.Duration) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			sleep(d)
			return ctx.Err()
		}
	} else {
		c.sleep = sleepContext
	}
	return c, nil
}

func checkBaseURL(raw string) (string, error) {
	if raw == "" {
		return "", configErr("BaseURL", "is empty (e.g. https://us-chronicle.googleapis.com/v1alpha)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", configErr("BaseURL", "is not a valid URL")
	}
	shown := u.Redacted()
	switch {
	case u.User != nil:
		return "", configErr("BaseURL", fmt.Sprintf("%q must not contain user information", shown))
	case u.Host == "" || u.Opaque != "":
		return "", configErr("BaseURL", fmt.Sprintf("%q has no host", shown))
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", configErr("BaseURL", fmt.Sprintf("%q must not have a query or fragment", shown))
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	case u.Scheme == "http":
		return "", configErr("BaseURL", fmt.Sprintf("%q must use https (plain http is allowed only for 127.0.0.1, ::1 and localhost)", shown))
	default:
		return "", configErr("BaseURL", fmt.Sprintf("%q must use https", shown))
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func configErr(field, problem string) error {
	return &push.ConfigError{Client: "chronicle", Field: field, Problem: problem}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// APIError is a non-2xx answer of the Chronicle API.
type APIError struct {
	HTTPStatus int    // e.g. 400
	Status     string // the envelope's status, e.g. INVALID_ARGUMENT; may be empty
	Message    string // the envelope's message (or the start of a non-JSON body)
	Method     string // the request method
	URL        string // the request URL
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "chronicle: %s %s: HTTP %d", e.Method, e.URL, e.HTTPStatus)
	if e.Status != "" {
		b.WriteString(" " + e.Status)
	} else if t := http.StatusText(e.HTTPStatus); t != "" {
		b.WriteString(" " + t)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	switch e.HTTPStatus {
	case http.StatusUnauthorized:
		b.WriteString(" (the access token was rejected: check that it is valid, not expired, and has the cloud-platform scope)")
	case http.StatusForbidden:
		b.WriteString(" (the caller lacks a permission: the role \"Chronicle API Editor\" covers the rules and rule-deployment methods)")
	}
	return b.String()
}

// retryable reports whether a request that failed with this HTTP status may be
// repeated.
func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// transportError is a failure below HTTP (connection refused, timeout, ...)
// whose message has been cleaned of the token.
type transportError struct {
	msg string
	err error
}

func (e *transportError) Error() string { return "chronicle: " + e.msg }
func (e *transportError) Unwrap() error { return e.err }

// retriesError wraps the last error of a request that failed on every try.
type retriesError struct {
	attempts int
	err      error
}

func (e *retriesError) Error() string {
	return fmt.Sprintf("%v (gave up after %s)", e.err, plural.N(e.attempts, "attempt"))
}
func (e *retriesError) Unwrap() error { return e.err }

func (c *Client) redact(s string) string { return push.Redact(s, c.token, redacted) }

// call describes one API request.
type call struct {
	method   string
	path     string // appended to {base}/{instance}
	rawQuery string
	body     any // marshalled as JSON when non-nil
	out      any // the 2xx answer is decoded into it when non-nil
	// reconcile, when set, marks a request that must not simply be repeated
	// after a server error or a transport failure because the server may
	// have carried it out. Before such a retry it is called; done=true ends
	// the call successfully. 429 answers are retried without it.
	reconcile func(ctx context.Context) (done bool, err error)
}

func (c *Client) url(path, rawQuery string) string {
	u := c.base + "/" + c.instance + path
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	return u
}

// do sends a request, retrying as configured.
func (c *Client) do(ctx context.Context, cl call) error {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return fmt.Errorf("chronicle: encoding %s request: %w", cl.method, err)
		}
	}
	u := c.url(cl.path, cl.rawQuery)
	shownURL := c.redact(u)
	for attempt := 0; ; attempt++ {
		status, body, retryAfter, err := c.send(ctx, cl.method, u, payload)
		if err == nil && status >= 200 && status < 300 {
			if cl.out == nil || len(bytes.TrimSpace(body)) == 0 {
				return nil
			}
			if err := json.Unmarshal(body, cl.out); err != nil {
				return fmt.Errorf("chronicle: %s %s: decoding the answer: %s", cl.method, shownURL, c.redact(err.Error()))
			}
			return nil
		}
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return fmt.Errorf("chronicle: %s %s: %w", cl.method, shownURL, ctxErr)
			}
			err = &transportError{msg: c.redact(err.Error()), err: err}
		} else {
			apiErr := c.apiError(cl.method, shownURL, status, body)
			if !retryable(status) {
				return apiErr
			}
			err = apiErr
		}
		if attempt >= c.maxRetries {
			if attempt == 0 {
				return err
			}
			return &retriesError{attempts: attempt + 1, err: err}
		}
		delay := backoff(attempt)
		if d, ok := parseRetryAfter(retryAfter); ok {
			delay = d
		}
		if serr := c.sleep(ctx, delay); serr != nil {
			return fmt.Errorf("chronicle: %s %s: %w (while waiting to retry after: %v)", cl.method, shownURL, serr, err)
		}
		if cl.reconcile != nil && status != http.StatusTooManyRequests {
			done, rerr := cl.reconcile(ctx)
			if rerr != nil {
				return fmt.Errorf("%w; checking whether the failed request took effect also failed: %w", err, rerr)
			}
			if done {
				return nil
			}
		}
	}
}

// send makes one attempt. A non-nil error means no HTTP answer was received.
func (c *Client) send(ctx context.Context, method, u string, payload []byte) (status int, body []byte, retryAfter string, err error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, "", err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return 0, nil, "", err
	}
	if len(body) > maxResponseBytes {
		return 0, nil, "", fmt.Errorf("%s %s: answer larger than %d bytes", method, u, maxResponseBytes)
	}
	return resp.StatusCode, body, resp.Header.Get("Retry-After"), nil
}

func (c *Client) apiError(method, shownURL string, status int, body []byte) *APIError {
	e := &APIError{HTTPStatus: status, Method: method, URL: shownURL}
	var env struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && (env.Error.Message != "" || env.Error.Status != "") {
		e.Status = env.Error.Status
		e.Message = env.Error.Message
	} else {
		e.Message = snippet(body)
	}
	e.Status = c.redact(e.Status)
	e.Message = c.redact(e.Message)
	return e
}

// snippet returns the start of a non-JSON error body on one line.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	const max = 200
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

// backoff returns the wait before retry number attempt+1: 1s, 2s, 4s, ...
// capped at one minute.
func backoff(attempt int) time.Duration {
	if attempt >= 6 {
		return maxBackoff
	}
	return min(time.Second<<attempt, maxBackoff)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(h string) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return min(max(time.Until(t), 0), maxRetryAfter), true
	}
	return 0, false
}
