package qradar

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/detgen/detgen/internal/plural"
	"github.com/detgen/detgen/push"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultAPIVersion   = "20.0"
	DefaultPollInterval = 2 * time.Second
	DefaultPollTimeout  = 10 * time.Minute
	DefaultHTTPTimeout  = 2 * time.Minute

	backoffBase   = time.Second
	backoffMax    = 30 * time.Second
	retryAfterMax = 2 * time.Minute
	maxErrorBody  = 64 << 10
	maxBody       = 64 << 20
)

// Config configures a Client.
type Config struct {
	// BaseURL is the API root, e.g. https://console.example.com/api.
	BaseURL string
	// Token is an authorized-service token sent as the SEC header. It is
	// never printed, logged or included in errors.
	Token string
	// APIVersion is sent as the Version header (default "20.0").
	APIVersion string
	// HTTPClient defaults to a client with a 2-minute timeout. Redirects are
	// never followed (so the SEC header cannot leak to another host): if
	// CheckRedirect is nil, New uses a copy of the client that refuses them.
	HTTPClient *http.Client
	// MaxRetries is how many times a request is retried after a 429 or 5xx
	// response (and, for GET, after a transport error); 0 means no retries.
	// The delay doubles from 1s (capped at 30s); a 429's Retry-After, in
	// seconds, is honoured up to 2 minutes.
	MaxRetries int
	// Sleep waits between retries and task polls (default: a timer that
	// also stops on context cancellation). Tests inject a recorder.
	Sleep func(time.Duration)
	// PollInterval is the wait between install-task polls (default 2s).
	PollInterval time.Duration
	// PollTimeout bounds install-task polling (default 10m). It is measured
	// as the sum of the poll intervals waited, so it is deterministic with
	// an injected Sleep.
	PollTimeout time.Duration
}

// String formats the config with the token redacted.
func (c Config) String() string {
	tok := "<empty>"
	if c.Token != "" {
		tok = "<redacted>"
	}
	return fmt.Sprintf("qradar.Config{BaseURL:%q Token:%s APIVersion:%q MaxRetries:%d PollInterval:%v PollTimeout:%v}",
		c.BaseURL, tok, c.APIVersion, c.MaxRetries, c.PollInterval, c.PollTimeout)
}

// GoString is String, so that %#v does not print the token either.
func (c Config) GoString() string { return c.String() }

// Format makes every verb (%v, %+v, %#v, %s …) use String.
func (c Config) Format(f fmt.State, verb rune) { io.WriteString(f, c.String()) }

// Client is a QRadar REST API client. It is safe for concurrent use.
type Client struct {
	base         *url.URL
	token        string
	version      string
	hc           *http.Client
	maxRetries   int
	sleepFn      func(time.Duration)
	pollInterval time.Duration
	pollTimeout  time.Duration
}

// String describes the client without the token.
func (c Client) String() string {
	if c.base == nil {
		return "qradar.Client{}"
	}
	return fmt.Sprintf("qradar.Client{BaseURL:%q Token:<redacted> APIVersion:%q}", c.base.String(), c.version)
}

// GoString is String.
func (c Client) GoString() string { return c.String() }

// Format makes every verb use String.
func (c Client) Format(f fmt.State, verb rune) { io.WriteString(f, c.String()) }

// New checks cfg, applies defaults and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, configErr("BaseURL", "is empty (e.g. https://CONSOLE/api)")
	}
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil {
		return nil, configErr("BaseURL", "is not a URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, configErr("BaseURL", fmt.Sprintf("%q must be an absolute http(s) URL", u.Redacted()))
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, configErr("BaseURL", "must not contain credentials, a query or a fragment")
	}
	if cfg.Token == "" {
		return nil, configErr("Token", "is empty")
	}
	if strings.ContainsFunc(cfg.Token, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
		return nil, configErr("Token", "contains whitespace or control characters")
	}
	if cfg.MaxRetries < 0 {
		return nil, configErr("MaxRetries", "is negative")
	}
	if cfg.PollInterval < 0 {
		return nil, configErr("PollInterval", "must not be negative")
	}
	if cfg.PollTimeout < 0 {
		return nil, configErr("PollTimeout", "must not be negative")
	}
	c := &Client{
		base:         u,
		token:        cfg.Token,
		version:      cfg.APIVersion,
		maxRetries:   cfg.MaxRetries,
		sleepFn:      cfg.Sleep,
		pollInterval: cfg.PollInterval,
		pollTimeout:  cfg.PollTimeout,
	}
	if c.version == "" {
		c.version = DefaultAPIVersion
	}
	if strings.ContainsFunc(c.version, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
		return nil, configErr("APIVersion", "contains whitespace or control characters")
	}
	if c.pollInterval == 0 {
		c.pollInterval = DefaultPollInterval
	}
	if c.pollTimeout == 0 {
		c.pollTimeout = DefaultPollTimeout
	}
	if cfg.HTTPClient == nil {
		c.hc = &http.Client{Timeout: DefaultHTTPTimeout, CheckRedirect: refuseRedirect}
	} else if cfg.HTTPClient.CheckRedirect == nil {
		hc := *cfg.HTTPClient
		hc.CheckRedirect = refuseRedirect
		c.hc = &hc
	} else {
		c.hc = cfg.HTTPClient
	}
	return c, nil
}

func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// APIError is an unsuccessful HTTP response, decoded from QRadar's JSON error
// body {http_response:{code,message}, code, message, description, details}
// when there is one. Its text never contains the token.
type APIError struct {
	HTTPStatus  int
	Code        int // QRadar error code, e.g. 22613; 0 if none
	Message     string
	Description string
	Method      string
	Path        string // URL path, without host or query
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "qradar: %s %s: HTTP %d", e.Method, e.Path, e.HTTPStatus)
	if t := http.StatusText(e.HTTPStatus); t != "" {
		b.WriteString(" " + t)
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, " (code %d)", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Description != "" && e.Description != e.Message {
		b.WriteString(": " + e.Description)
	}
	if e.HTTPStatus == http.StatusUnauthorized || e.HTTPStatus == http.StatusForbidden {
		b.WriteString(" (check the authorized-service token and its permissions)")
	}
	return b.String()
}

type wireError struct {
	HTTPResponse *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"http_response"`
	Code        json.RawMessage `json:"code"`
	Message     string          `json:"message"`
	Description string          `json:"description"`
}

// request is one API call. body is re-sent on every attempt.
type request struct {
	method      string
	path        string // relative to BaseURL, starting with '/'
	query       url.Values
	header      map[string]string
	body        []byte
	contentType string
}

// do sends req with retries and decodes a 2xx JSON body into out (if
// non-nil). It returns the final response headers and status.
func (c *Client) do(ctx context.Context, req request, out any) (http.Header, int, error) {
	u := *c.base
	u.Path = c.base.Path + req.path
	if len(req.query) > 0 {
		u.RawQuery = req.query.Encode()
	}
	for attempt := 0; ; attempt++ {
		hr, err := http.NewRequestWithContext(ctx, req.method, u.String(), bytes.NewReader(req.body))
		if err != nil {
			return nil, 0, fmt.Errorf("qradar: building %s %s: %w", req.method, u.Path, err)
		}
		hr.Header["SEC"] = []string{c.token}
		hr.Header.Set("Version", c.version)
		hr.Header.Set("Accept", "application/json")
		if req.contentType != "" {
			hr.Header.Set("Content-Type", req.contentType)
		}
		for k, v := range req.header {
			hr.Header.Set(k, v)
		}

		resp, err := c.hc.Do(hr)
		if err != nil {
			err = c.scrub(err)
			if ctx.Err() == nil && req.method == http.MethodGet && attempt < c.maxRetries {
				if serr := c.sleep(ctx, backoff(attempt)); serr != nil {
					return nil, 0, serr
				}
				continue
			}
			return nil, 0, err
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			err := decodeBody(resp, out)
			if err != nil {
				err = fmt.Errorf("qradar: %s %s: HTTP %d: %w", req.method, u.Path, resp.StatusCode, c.scrub(err))
			}
			return resp.Header, resp.StatusCode, err
		}
		apiErr := c.decodeError(resp, req.method, u.Path)
		retryable := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		if !retryable || attempt >= c.maxRetries {
			if retryable && attempt > 0 {
				return resp.Header, resp.StatusCode, fmt.Errorf("qradar: giving up after %s: %w", plural.N(attempt+1, "attempt"), apiErr)
			}
			return resp.Header, resp.StatusCode, apiErr
		}
		d := backoff(attempt)
		if resp.StatusCode == http.StatusTooManyRequests {
			if ra, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
				d = ra
			}
		}
		if err := c.sleep(ctx, d); err != nil {
			return nil, 0, err
		}
	}
}

func decodeBody(resp *http.Response, out any) error {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("reading body: %w", err)
	}
	if len(b) > maxBody {
		return fmt.Errorf("response body larger than %d bytes", maxBody)
	}
	if out == nil || len(bytes.TrimSpace(b)) == 0 && resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decoding JSON response: %w", err)
	}
	return nil
}

func (c *Client) decodeError(resp *http.Response, method, path string) *APIError {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{HTTPStatus: resp.StatusCode, Method: method, Path: path}
	var w wireError
	if json.Unmarshal(b, &w) == nil {
		e.Message = w.Message
		e.Description = w.Description
		if n, err := strconv.Atoi(strings.Trim(string(w.Code), `"`)); err == nil {
			e.Code = n
		}
		if e.Message == "" && w.HTTPResponse != nil {
			e.Message = w.HTTPResponse.Message
		}
	} else if s := strings.TrimSpace(string(b)); s != "" {
		if len(s) > 300 {
			s = s[:300] + "…"
		}
		e.Message = strings.ToValidUTF8(s, "?")
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 && e.Message == "" {
		e.Message = "unexpected redirect (not followed)"
	}
	e.Message = c.scrubString(e.Message)
	e.Description = c.scrubString(e.Description)
	return e
}

// scrub guarantees that err's text does not contain the token.
func (c *Client) scrub(err error) error {
	if err == nil {
		return err
	}
	msg := c.scrubString(err.Error())
	if msg == err.Error() {
		return err
	}
	se := &scrubbedError{msg: msg}
	// Keep only well-known causes reachable: the original error's text
	// holds the token.
	for _, cause := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, cause) {
			se.cause = cause
		}
	}
	return se
}

func (c *Client) scrubString(s string) string { return push.Redact(s, c.token, "<redacted>") }

func configErr(field, problem string) error {
	return &push.ConfigError{Client: "qradar", Field: field, Problem: problem}
}

type scrubbedError struct {
	msg   string
	cause error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.cause }

func backoff(attempt int) time.Duration {
	d := backoffBase
	for i := 0; i < attempt && d < backoffMax; i++ {
		d *= 2
	}
	return min(d, backoffMax)
}

func retryAfter(v string) (time.Duration, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0, false
	}
	return min(time.Duration(n)*time.Second, retryAfterMax), true
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.sleepFn != nil {
		c.sleepFn(d)
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
