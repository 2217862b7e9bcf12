#!/bin/sh
# Regenerates demo/test-pattern.webm: 60 s of ffmpeg's testsrc at 30 fps with the frame number burnt in
# (so a screenshot shows which frame each tab presents), VP9, a keyframe every second (fast, exact seeks),
# its index (Cues) at the front: a tab joining a playing room seeks while the file still downloads, and an
# index at the end would make that seek wait for a second request (README, "A single file").
set -e
cd "$(dirname "$0")/.."
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc=size=480x270:rate=30:duration=60" \
  -vf "drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf:text='frame %{frame_num}':x=10:y=h-40:fontsize=26:fontcolor=white:box=1:boxcolor=black@0.7" \
  -c:v libvpx-vp9 -b:v 120k -deadline good -cpu-used 5 -row-mt 1 -g 30 -an -cues_to_front 1 demo/test-pattern.webm
