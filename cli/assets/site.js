// tacometer's site: sorting and filtering of the projects table.
// Plain JavaScript, nothing fetched: the page works from file:// as well
// as from any static host.
"use strict";

(function () {
  const table = document.getElementById("projects");
  if (!table) {
    return;
  }
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const headers = Array.from(table.tHead.rows[0].cells);

  // Sorting: a heading's button sorts by its column's data-key (numbers
  // numerically, text alphabetically); a second click reverses the order.
  function key(row, index) {
    const cell = row.cells[index];
    return cell ? cell.dataset.key || "" : "";
  }
  function compare(kind, a, b) {
    if (kind === "number") {
      const x = a === "" ? -Infinity : Number(a);
      const y = b === "" ? -Infinity : Number(b);
      return x - y;
    }
    return a.localeCompare(b);
  }
  headers.forEach(function (th, index) {
    const button = th.querySelector("button");
    if (!button) {
      return;
    }
    button.addEventListener("click", function () {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (other) {
        if (other.querySelector("button")) {
          other.setAttribute("aria-sort", "none");
        }
      });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const kind = th.dataset.kind || "text";
      const sorted = rows.slice().sort(function (a, b) {
        const order = compare(kind, key(a, index), key(b, index));
        const tie = order !== 0 ? order : key(a, 0).localeCompare(key(b, 0));
        return ascending ? tie : -tie;
      });
      sorted.forEach(function (row) {
        body.appendChild(row);
      });
    });
  });

  // Filtering by overall status, category and a part of the name.
  const status = document.getElementById("filter-status");
  const category = document.getElementById("filter-category");
  const name = document.getElementById("filter-name");
  const shown = document.getElementById("shown");
  function filter() {
    const want = {
      status: status.value,
      category: category.value,
      name: name.value.trim().toLowerCase(),
    };
    let count = 0;
    rows.forEach(function (row) {
      const visible =
        (want.status === "" || row.dataset.status === want.status) &&
        (want.category === "" || row.dataset.category === want.category) &&
        (want.name === "" || row.dataset.name.indexOf(want.name) !== -1);
      row.hidden = !visible;
      if (visible) {
        count += 1;
      }
    });
    shown.textContent = count + " of " + rows.length + " projects shown";
  }
  [status, category].forEach(function (control) {
    control.addEventListener("change", filter);
  });
  name.addEventListener("input", filter);
  filter();
})();
