// Download links whose files are made when clicked (the front end of
// workbench/dashboard/download_links.py's DownloadLinks widget): a click asks the
// page's kernel for the file, and the bytes it sends back are saved under the file's
// name. Nothing is fetched from elsewhere.

function save(name, mime, bytes) {
  const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.style.display = "none";
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The browser has taken the file once the click has been handled.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "wb-dash wb-downloads";
  const problem = document.createElement("div");
  problem.className = "wb-download-problem";
  el.append(box, problem);

  const draw = () => {
    box.replaceChildren();
    problem.textContent = "";
    for (const link of model.get("links") || []) {
      const anchor = document.createElement("a");
      anchor.className = link.css;
      anchor.href = "#";
      anchor.setAttribute("download", link.name);
      anchor.setAttribute("role", "button");
      anchor.textContent = link.label;
      anchor.addEventListener("click", (event) => {
        event.preventDefault();
        problem.textContent = "";
        anchor.setAttribute("aria-busy", "true");
        model.send({ want: link.name });
      });
      box.appendChild(anchor);
    }
  };

  const received = (message, buffers) => {
    const anchor = Array.from(box.querySelectorAll("a")).find((a) => a.getAttribute("download") === message?.name);
    anchor?.removeAttribute("aria-busy");
    if (message?.problem || !buffers?.length) {
      problem.textContent = `${message?.name || "The file"}: ${message?.problem || "nothing was sent."}`;
      return;
    }
    save(message.name, message.mime, buffers[0]);
  };

  model.on("change:links", draw);
  model.on("msg:custom", received);
  draw();
  return () => {
    model.off("change:links", draw);
    model.off("msg:custom", received);
  };
}

export default { render };
