package push

import "testing"

func TestRedact(t *testing.T) {
	const mask = "[REDACTED]"
	tests := []struct{ token, in, want string }{
		{"s3cr3t", "bad token s3cr3t for you", "bad token [REDACTED] for you"},
		{"s3cr3t", `{"token":"s3cr3t"}`, `{"token":"[REDACTED]"}`},
		{"s3cr3t", "Bearer s3cr3t", "Bearer [REDACTED]"},
		// Exact match: a short token does not mangle other words.
		{"1", "HTTP 401 after 1 try", "HTTP 401 after [REDACTED] try"},
		{"abc", "abcdef xabc abc", "abcdef xabc [REDACTED]"},
		// URL-encoded, as in a query string or path, either hex case.
		{"a/b+c=", "GET /x?token=a%2Fb%2Bc%3D&y=1", "GET /x?token=[REDACTED]&y=1"},
		{"a/b+c=", "GET /x?token=a%2fb%2bc%3d", "GET /x?token=[REDACTED]"},
		{"a b", "q=a+b path=a%20b raw=a b", "q=[REDACTED] path=[REDACTED] raw=[REDACTED]"},
		{"", "nothing to hide", "nothing to hide"},
		{"tok", "ü tok ü", "ü [REDACTED] ü"},
		{"tok", "ütok", "ütok"},
	}
	for _, tc := range tests {
		if got := Redact(tc.in, tc.token, mask); got != tc.want {
			t.Errorf("Redact(%q, %q) = %q, want %q", tc.in, tc.token, got, tc.want)
		}
	}
}
