# bench/cost-curve.sh: the cost curve as SVG.  gnuplot -e "dat='...'; out='...'; n=3" cost-curve.gp
# n: how many blocks (importers); dat: bench/cost-curve-table.py's cost-curve.dat (one block per importer:
# dma-bufs, revoke p50 ms, restore p50 ms, one dma-buf's move p50 ms).
set terminal svg size 800,520 dynamic enhanced font "sans,12" background rgb "white"
set output out
set title "Revoke and restore of one VFIO device against its number of dma-bufs (p50)"
set xlabel "dma-bufs exported from the device (each imported once)"
set ylabel "latency of the whole device's revoke / restore (ms)"
set logscale xy
set format y "%g"
set grid
set key top left
plot for [i=0:n-1] dat index i using 1:2 with linespoints lw 2 pt 7 \
	title columnheader(1)." revoke", \
     for [i=0:n-1] dat index i using 1:3 with linespoints lw 1 dt 2 pt 6 \
	title columnheader(1)." restore"
