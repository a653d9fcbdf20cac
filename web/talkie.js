// Talkie's web extension for the ComfyUI frontend (written against frontend 1.32.9, ComfyUI 0.3.75).
//
// 1. Mux / Save AV plays its MP4 with sound inside the node. The node's ui payload is core's
//    ui.PreviewVideo ({images: [{filename, subfolder, type}], animated: [true]}), the same one core
//    Save Video sends, and the frontend already turns it into a <video controls loop> DOM widget
//    ("video-preview"), not muted. We don't add a second player: after each execution we make sure
//    the frontend's player is there, unmuted, with controls, and tag it (class "talkie-player") so
//    tests and styles can find it. Only if no player shows up (a frontend that stopped doing this)
//    do we add our own <video controls> DOM widget pointing at /api/view.
// 2. Sync Report shows its text under its plot (the plot comes as a ui.images preview, which the
//    frontend renders itself); Text Encode shows which colour names it said in the model's own
//    words (an empty text clears what an earlier prompt showed).
// 3. Talkie's own link types get their own colours.
//
// Hooks used: setup (colours), nodeCreated (chains the node instance's onExecuted, the handler the
// frontend calls with the node's ui output), afterConfigureGraph and the Comfy.ColorPalette change
// event (colours again: loading a colour palette resets every known type's colour).
// Only `app` is imported, from ../../scripts/app.js (not the deprecated /scripts/ui* or
// /extensions/core/* paths). Every .js under web/ is loaded as an extension: keep helpers in here.
import { app } from "../../scripts/app.js";

const EXT = "talkie.av";
const MUX_NODES = new Set(["TalkieSaveAV"]);
const REPORT_NODES = new Set(["TalkieSyncReport", "TalkieTextEncode"]);
const LINK_COLOURS = {
    TALKIE_MODEL: "#E8A33D", // amber: the model handle
    TALKIE_STEMS: "#3DC7B4", // teal: the per-stem audio
};
const PLAYER_CLASS = "talkie-player";
const FALLBACK_WIDGET = "talkie-video";
const FALLBACK_DELAY_MS = 10000; // the frontend loads its preview with an 8 s timeout

function viewUrl(item) {
    const params = new URLSearchParams({
        filename: item.filename,
        subfolder: item.subfolder ?? "",
        type: item.type ?? "output",
    });
    return `/api/view?${params}`;
}

// ---------------------------------------------------------------------------------------------
// Link colours
// ---------------------------------------------------------------------------------------------
function applyLinkColours() {
    const canvas = app.canvas;
    if (!canvas) return;
    const LGraphCanvas = canvas.constructor;
    canvas.default_connection_color_byType ??= {};
    for (const [type, colour] of Object.entries(LINK_COLOURS)) {
        canvas.default_connection_color_byType[type] = colour;
        if (LGraphCanvas?.link_type_colors) LGraphCanvas.link_type_colors[type] = colour;
        // Vue ("Nodes 2.0") nodes colour their slots from these CSS variables
        document.body?.style.setProperty(`--color-datatype-${type}`, colour);
    }
    canvas.setDirty?.(true, true);
}

function applyLinkColoursSoon() {
    // the palette is loaded by an async watcher: apply again once it has run
    for (const ms of [0, 100, 1000]) setTimeout(applyLinkColours, ms);
}

// ---------------------------------------------------------------------------------------------
// Mux / Save AV: the player
// ---------------------------------------------------------------------------------------------
function frontendPlayer(node) {
    return node.videoContainer?.querySelector?.("video") ?? null;
}

function tagPlayer(video, item) {
    video.classList.add(PLAYER_CLASS);
    video.controls = true;
    video.muted = false;
    video.defaultMuted = false;
    video.removeAttribute("muted");
    video.preload = "auto";
    video.dataset.talkieFile = [item.subfolder, item.filename].filter(Boolean).join("/");
    video.title = `${item.filename} (plays with sound)`;
}

function fallbackPlayer(node, item) {
    let widget = node.widgets?.find((w) => w.name === FALLBACK_WIDGET);
    if (!widget) {
        const box = document.createElement("div");
        box.style.cssText = "width:100%;height:100%;display:flex;align-items:center;justify-content:center";
        const video = document.createElement("video");
        Object.assign(video, { controls: true, loop: true, playsInline: true, muted: false });
        video.style.cssText = "max-width:100%;max-height:100%;object-fit:contain";
        box.appendChild(video);
        widget = node.addDOMWidget(FALLBACK_WIDGET, "video", box, { serialize: false, hideOnZoom: false });
        widget.serialize = false;
        widget.computeLayoutSize = () => ({ minHeight: 200, minWidth: 200 });
        widget.talkieVideo = video;
        node.setSize?.([Math.max(node.size[0], 300), Math.max(node.size[1], 380)]);
    }
    const src = viewUrl(item);
    if (widget.talkieVideo.getAttribute("src") !== src) widget.talkieVideo.src = src;
    tagPlayer(widget.talkieVideo, item);
    app.graph?.setDirtyCanvas(true, true);
}

function showClip(node, output) {
    const item = output?.images?.find((i) => /\.(mp4|webm|mov|m4v)$/i.test(i?.filename ?? ""));
    if (!item) return;
    const token = {};
    node.talkieClipToken = token;
    const started = performance.now();
    const poll = () => {
        if (node.talkieClipToken !== token || !node.graph) return; // a newer run, or removed
        const video = frontendPlayer(node);
        if (video && decodeURIComponent(video.currentSrc || video.src).includes(item.filename)) {
            tagPlayer(video, item);
            return;
        }
        if (performance.now() - started > FALLBACK_DELAY_MS) {
            fallbackPlayer(node, item);
            return;
        }
        setTimeout(poll, 100);
    };
    poll();
}

// ---------------------------------------------------------------------------------------------
// Sync Report: its text
// ---------------------------------------------------------------------------------------------
const REPORT_WIDGET = "talkie-report";

function showReportText(node, output, minHeight = 90) {
    let text = output?.text;
    if (Array.isArray(text)) text = text.join("\n");
    let widget = node.widgets?.find((w) => w.name === REPORT_WIDGET);
    if (text == null || text === "") {
        if (widget?.talkieElement) widget.talkieElement.textContent = "";
        return;
    }
    if (!widget) {
        const pre = document.createElement("pre");
        pre.className = "talkie-report";
        pre.style.cssText =
            "margin:0;padding:6px;width:100%;height:100%;box-sizing:border-box;overflow:auto;" +
            "white-space:pre-wrap;font:11px/1.35 ui-monospace,Menlo,Consolas,monospace;" +
            "color:var(--input-text,#ddd);background:var(--comfy-input-bg,#222);border-radius:4px";
        widget = node.addDOMWidget(REPORT_WIDGET, "talkie-report", pre, {
            serialize: false,
            getValue: () => pre.textContent,
            setValue: (v) => {
                pre.textContent = v ?? "";
            },
        });
        widget.serialize = false;
        widget.computeLayoutSize = () => ({ minHeight, minWidth: 200 });
        widget.talkieElement = pre;
        // grow the node to show the text (never shrink what the user sized)
        const need = node.computeSize?.();
        if (need) node.setSize([Math.max(node.size[0], need[0]), Math.max(node.size[1], need[1])]);
    }
    widget.talkieElement.textContent = String(text);
    app.graph?.setDirtyCanvas(true, true);
}

// ---------------------------------------------------------------------------------------------
app.registerExtension({
    name: EXT,

    async setup() {
        applyLinkColours();
        applyLinkColoursSoon();
        app.ui?.settings?.addEventListener?.("Comfy.ColorPalette.change", applyLinkColoursSoon);
    },

    async afterConfigureGraph() {
        applyLinkColours();
    },

    async nodeCreated(node) {
        const cls = node.comfyClass ?? node.type;
        const isMux = MUX_NODES.has(cls);
        const isReport = REPORT_NODES.has(cls);
        if (!isMux && !isReport) return;
        // chain the instance's handler: the frontend calls node.onExecuted(output) after its own
        // preview handling, and other extensions may have wrapped it too
        const previous = node.onExecuted;
        node.onExecuted = function (output) {
            const r = previous?.apply(this, arguments);
            try {
                if (isMux) showClip(this, output);
                if (isReport) showReportText(this, output, cls === "TalkieTextEncode" ? 28 : 90);
            } catch (err) {
                console.error(`[${EXT}]`, err);
            }
            return r;
        };
    },
});
