package docgen

// docgenFence exposes fence to the external tests.
var DocgenFence = fence
