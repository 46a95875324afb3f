import { describe, expect, it } from "vitest";
import { EMPTY_AVATAR, EMPTY_LIPSYNC, toAvatarItem, toLipsyncItem } from "./talk";

const ref = (id: string, kind: "image" | "video" | "audio") => ({ ref: id, kind, name: id, preview: null, url: "/x", contentType: `${kind}/x` });

describe("the talking modes' job items", () => {
  it("a lip-sync takes the clip, the speech file and the padding typed", () => {
    const item = toLipsyncItem({
      video: ref("artifact:V1", "video"),
      audio: ref("upload:U1", "audio"),
      padding: { top: "4", bottom: "20", left: "", right: "2" },
    });
    expect(item).toEqual({ video: "artifact:V1", audio: "upload:U1", padding: { top: 4, bottom: 20, right: 2 } });
    expect(toLipsyncItem(EMPTY_LIPSYNC)).toEqual({ padding: { top: 0, bottom: 10, left: 0, right: 0 } });
  });

  it("an avatar speaks the typed line with its voice, or the speech file, never both", () => {
    const image = ref("upload:P1", "image");
    const typed = toAvatarItem({ ...EMPTY_AVATAR, image, text: "Hello", voice: "en-us", audio: ref("upload:A1", "audio"), steps: "2" });
    expect(typed).toMatchObject({ image: "upload:P1", text: "Hello", voice: "en-us", steps: 2 });
    expect(typed).not.toHaveProperty("audio");
    const filed = toAvatarItem({ ...EMPTY_AVATAR, image, speech: "file", text: "ignored", audio: ref("upload:A1", "audio"), videoModel: "tiny-svd" });
    expect(filed).toMatchObject({ image: "upload:P1", audio: "upload:A1", video_model: "tiny-svd" });
    expect(filed).not.toHaveProperty("text");
  });
});
