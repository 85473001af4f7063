// The "Print" button of the recovery codes' page (a file of its own: the pages allow no inline script).
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest(".print-page")) window.print();
});
