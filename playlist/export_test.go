package playlist

// MediaPlaylistForTest gives the external test package (the handler's
// benchmarks) the benchmarks' playlist generator.
var MediaPlaylistForTest = mediaPlaylist
