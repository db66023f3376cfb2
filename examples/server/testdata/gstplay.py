"""gstplay.py: plays one HLS URL with GStreamer, as fast as it decodes, and
prints one JSON line saying what ran and what played.

    [GSTPLAY_SECONDS=N] python3 gstplay.py URL ELEMENT [COOKIE...]

ELEMENT is playbin3 (which picks hlsdemux2 in GStreamer 1.22) or playbin
(with GST_PLUGIN_FEATURE_RANK=hlsdemux2:NONE in the environment it picks the
old hlsdemux). Each COOKIE ("name=value") is set on every souphttpsrc the
pipeline creates, in its source-setup signal: gst-launch cannot set the
cookies property, so cookie mode needs this program.

The video and audio go to fakesinks with sync=false: every frame is decoded,
nothing waits for the clock. The JSON says which HLS demuxer elements were
created, how many decoded video frames and audio buffers reached the sinks,
the presentation time span of the video, and the errors on the bus.
"""
import json
import os
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

TIMEOUT_SECONDS = 60


def main():
    Gst.init(None)
    url, element = sys.argv[1], sys.argv[2]
    cookies = sys.argv[3:]
    player = Gst.ElementFactory.make(element)
    if player is None:
        print(json.dumps({"errors": ["no element " + element]}))
        return
    player.set_property("uri", url)
    out = {"demuxers": [], "video_frames": 0, "audio_buffers": 0,
           "video_start": None, "video_end": None, "errors": [], "eos": False}

    def sink(on_buffer):
        s = Gst.ElementFactory.make("fakesink")
        s.set_property("sync", False)
        s.set_property("signal-handoffs", True)
        s.connect("handoff", on_buffer)
        return s

    # GSTPLAY_SECONDS: stop after that many seconds of video (a live
    # channel has no end).
    limit = float(os.environ.get("GSTPLAY_SECONDS") or 0)
    loop = GLib.MainLoop()

    def on_video(_sink, buf, _pad):
        out["video_frames"] += 1
        if buf.pts == Gst.CLOCK_TIME_NONE:
            return
        start = buf.pts / Gst.SECOND
        end = start + (buf.duration / Gst.SECOND if buf.duration != Gst.CLOCK_TIME_NONE else 0)
        if out["video_start"] is None or start < out["video_start"]:
            out["video_start"] = start
        if out["video_end"] is None or end > out["video_end"]:
            out["video_end"] = end
        if limit and out["video_end"] - out["video_start"] >= limit:
            GLib.idle_add(loop.quit)

    def on_audio(_sink, _buf, _pad):
        out["audio_buffers"] += 1

    player.set_property("video-sink", sink(on_video))
    player.set_property("audio-sink", sink(on_audio))

    def on_element(_bin, _sub, element):
        factory = element.get_factory()
        if factory is not None and factory.get_name().startswith("hlsdemux"):
            out["demuxers"].append(factory.get_name())

    player.connect("deep-element-added", on_element)

    def on_source(_player, source):
        if cookies and source.find_property("cookies") is not None:
            source.set_property("cookies", cookies)

    player.connect("source-setup", on_source)

    bus = player.get_bus()
    bus.add_signal_watch()

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.EOS:
            out["eos"] = True
            loop.quit()
        elif msg.type == Gst.MessageType.ERROR:
            err, _debug = msg.parse_error()
            out["errors"].append("%s: %s" % (msg.src.get_name(), err.message))
            loop.quit()

    bus.connect("message", on_message)

    def on_timeout():
        out["errors"].append("timed out after %d s" % TIMEOUT_SECONDS)
        loop.quit()
        return False

    GLib.timeout_add_seconds(TIMEOUT_SECONDS, on_timeout)
    player.set_state(Gst.State.PLAYING)
    loop.run()
    player.set_state(Gst.State.NULL)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
