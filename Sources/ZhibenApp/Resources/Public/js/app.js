// Progressive enhancement only: every page works without this file.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.classList && form.classList.contains("confirm")) {
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }
});

// The township suggestions follow the county chosen in the enterprise form.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (select.id !== "f-countyCode") return;
  var data = document.getElementById("township-data");
  var list = document.getElementById("townships");
  if (!data || !list) return;
  var townships = JSON.parse(data.textContent)[select.value] || [];
  list.textContent = "";
  townships.forEach(function (name) {
    var option = document.createElement("option");
    option.value = name;
    list.appendChild(option);
  });
});

// Print buttons on ledgers and checklists.
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target && target.hasAttribute && target.hasAttribute("data-print")) window.print();
});
